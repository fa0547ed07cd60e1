"""``POST /webhooks/stripe``: Stripe's notifications about payments and refunds.

No session or token: the ``Stripe-Signature`` header is the authentication. It is checked with
the official library's ``stripe.WebhookSignature.verify_header``: an HMAC-SHA256 over
``"<t>.<raw body>"`` with ``STRIPE_WEBHOOK_SECRET``; any one of the header's ``v1=`` values may
match (Stripe signs with the old and the new secret while one is being rolled), and ``t`` must
be at most 300 seconds old and at most 60 seconds in the future (clock skew; Stripe signs when
it sends). A bad, stale or future signature is a 400 and nothing is stored, and so is a signed
body that is no Stripe event (not JSON, nested too deep, an id or type with control characters).

A verified event is stored once by its id and answered 200 at once; it is acted on after
commit (see ``services.webhooks``). A repeated event id answers 200 and does nothing more, so
Stripe's retries are harmless.
"""

import json
import time

import stripe
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from soloops.payments import services
from soloops.payments.models import Provider

TOLERANCE_SECONDS = 300
MAX_SKEW_SECONDS = 60


def _signed_at(header: str) -> int:
    """The ``t=`` of a header ``verify_header`` accepted (so it has one, an integer)."""
    return max(int(item[2:]) for item in header.split(",") if item.strip().startswith("t="))


def _clean_text(value, max_length: int) -> str:
    """An event id or type as our columns hold it: a non-empty string without control
    characters (PostgreSQL refuses NUL in text)."""
    if not isinstance(value, str):
        raise TypeError
    if not (0 < len(value) <= max_length) or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError
    value.encode("utf-8")  # a lone surrogate (a "\ud800" escape): UnicodeEncodeError
    return value


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    body = {"code": code, "message": message, "field": field, "extra": {}}
    return JsonResponse(body, status=status)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        # Stripe retries a 5xx for days: nothing is lost while the owner sets the secret.
        return _error(503, "webhook_not_configured", "STRIPE_WEBHOOK_SECRET is not set")
    try:
        body = request.body.decode("utf-8")
        header = request.headers.get("Stripe-Signature")
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance=TOLERANCE_SECONDS)
        if _signed_at(header) > time.time() + MAX_SKEW_SECONDS:
            raise stripe.SignatureVerificationError("timestamp in the future", header, body)
    except (UnicodeDecodeError, ValueError, stripe.SignatureVerificationError):
        return _error(
            400,
            "invalid_signature",
            "the Stripe-Signature header does not match this body and the endpoint's secret, "
            f"or is more than {TOLERANCE_SECONDS} seconds old or more than {MAX_SKEW_SECONDS} "
            "seconds in the future",
            field="Stripe-Signature",
        )
    try:
        event = json.loads(body)
        event_id = _clean_text(event["id"], 255)  # the columns' lengths
        event_type = _clean_text(event["type"], 100)
        if not isinstance(event["data"]["object"], dict):  # processing reads it: refuse now
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):
        return _error(400, "invalid_payload", "the body is not a Stripe event", field="body")
    _, created = services.webhook_receive(
        provider=Provider.STRIPE, event_id=event_id, type=event_type, payload=body
    )
    return JsonResponse({"received": True, "duplicate": not created})
