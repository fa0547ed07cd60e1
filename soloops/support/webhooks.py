"""``POST /webhooks/support/email``: a customer's mail, posted raw (RFC 5322 bytes) by the
shop's mail service (an inbound-mail route, a forwarding script).

No session or token: the ``X-SoloOps-Signature: t=<unix time>,v1=<hex>`` header is the
authentication — an HMAC-SHA256 over ``"<t>.<raw body>"`` with ``SOLOOPS_SUPPORT_INBOUND_SECRET``
(the scheme SoloOps' own outgoing webhooks use), at most 300 seconds old. A bad or stale
signature is a 400 and nothing is stored; a body over ``SOLOOPS_SUPPORT_MAX_MAIL_BYTES`` is a
413; bytes that are not a mail are a 422. The same mail posted twice is one message.
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError
from soloops.support.errors import SupportErrorCode as Code
from soloops.support.services import conversation_receive_mail

MAIL = Actor.system("mail")
TOLERANCE_SECONDS = 300


def sign(body: bytes, secret: str, at: int | None = None) -> str:
    """The header value for ``body`` (what a sender computes; tests use it too)."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def _verified(header: str, body: bytes) -> bool:
    parts = dict(item.strip().split("=", 1) for item in header.split(",") if "=" in item)
    if not parts.get("t", "").isdigit() or abs(time.time() - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = sign(body, settings.SUPPORT_INBOUND_SECRET, int(parts["t"])).split("v1=")[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "field": field, "extra": {}},
                        status=status)  # fmt: skip


@csrf_exempt
@require_POST
def inbound_email(request):
    limit = settings.SUPPORT_MAX_MAIL_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        return _error(413, "body_too_large", f"a mail may be at most {limit} bytes", "body")
    body = request.read(limit + 1)  # the stream: Django's form-size limit is not for mail
    if len(body) > limit:
        return _error(413, "body_too_large", f"a mail may be at most {limit} bytes", "body")
    if not _verified(request.headers.get("X-SoloOps-Signature", ""), body):
        return _error(400, Code.INVALID_SIGNATURE, "the X-SoloOps-Signature header does not "
                      f"match this body, or is more than {TOLERANCE_SECONDS} s old",
                      "X-SoloOps-Signature")  # fmt: skip
    try:
        message = conversation_receive_mail(raw=body, actor=MAIL)
    except ApplicationError as e:
        return JsonResponse(e.as_dict(), status=e.status)
    return JsonResponse(
        {"conversation": message.conversation.ref, "message": message.pk}, status=202
    )
