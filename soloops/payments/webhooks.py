"""``POST /webhooks/stripe``: Stripe's notifications about payments and refunds.

No session or token: the ``Stripe-Signature`` header is the authentication. It is checked with
the official library's ``stripe.WebhookSignature.verify_header``: an HMAC-SHA256 over
``"<t>.<raw body>"`` with ``STRIPE_WEBHOOK_SECRET``; any one of the header's ``v1=`` values may
match (Stripe signs with the old and the new secret while one is being rolled), and ``t`` must
be at most 300 seconds old. A bad or stale signature is a 400 and nothing is stored.

A verified event is stored once by its id and answered 200 at once; it is acted on after
commit (see ``services.webhooks``). A repeated event id answers 200 and does nothing more, so
Stripe's retries are harmless.
"""

import json

import stripe
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from soloops.payments import services
from soloops.payments.models import Provider

TOLERANCE_SECONDS = 300


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
        stripe.WebhookSignature.verify_header(
            body, request.headers.get("Stripe-Signature"), secret, tolerance=TOLERANCE_SECONDS
        )
    except (UnicodeDecodeError, stripe.SignatureVerificationError):
        return _error(
            400,
            "invalid_signature",
            "the Stripe-Signature header does not match this body and the endpoint's secret, "
            f"or is more than {TOLERANCE_SECONDS} seconds old",
            field="Stripe-Signature",
        )
    try:
        event = json.loads(body)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
        if not (isinstance(event_id, str) and isinstance(event_type, str)):
            raise TypeError
        if not (0 < len(event_id) <= 255 and 0 < len(event_type) <= 100):  # the columns
            raise ValueError
        if not isinstance(obj, dict):  # processing reads it: refuse now, not in the worker
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _error(400, "invalid_payload", "the body is not a Stripe event", field="body")
    _, created = services.webhook_receive(
        provider=Provider.STRIPE, event_id=event_id, type=event_type, payload=body
    )
    return JsonResponse({"received": True, "duplicate": not created})
