"""``POST /webhooks/marketing/feedback``: complaints and bounces from the shop's mail service
(its feedback loop, or a script forwarding the mailbox that receives them), as JSON or raw
ARF / DSN MIME (``soloops.marketing.feedback`` reads both).

No session or token: the ``X-SoloOps-Signature: t=<unix time>,v1=<hex>`` header is the
authentication — an HMAC-SHA256 over ``"<t>.<raw body>"`` with
``SOLOOPS_MARKETING_FEEDBACK_SECRET`` (generated into var/ unless set; the scheme of SoloOps'
outgoing webhooks and of the support inbox's inbound mail), at most 300 seconds old. A bad or
stale signature is a 400 and nothing changes; a body over 2 MiB is a 413; a body that holds no
readable report is a 422 naming the field. Each reported address is suppressed once
(``marketing.suppressed``); the same report posted again answers the same and changes nothing.
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
from soloops.marketing.errors import MarketingErrorCode as Code
from soloops.marketing.feedback import feedback_parse
from soloops.marketing.services import feedback_receive_all

FEEDBACK = Actor.system("mail feedback")
TOLERANCE_SECONDS = 300
MAX_BYTES = 2 * 2**20


def sign(body: bytes, secret: str, at: int | None = None) -> str:
    """The header value for ``body`` (what a sender computes; tests use it too)."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def _verified(header: str, body: bytes) -> bool:
    parts = dict(item.strip().split("=", 1) for item in header.split(",") if "=" in item)
    if not parts.get("t", "").isdigit() or abs(time.time() - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = sign(body, settings.MARKETING_FEEDBACK_SECRET, int(parts["t"])).split("v1=")[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "field": field, "extra": {}},
                        status=status)  # fmt: skip


@csrf_exempt
@require_POST
def feedback(request):
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES:
        return _error(413, "body_too_large", f"a report may be at most {MAX_BYTES} bytes", "body")
    body = request.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        return _error(413, "body_too_large", f"a report may be at most {MAX_BYTES} bytes", "body")
    if not _verified(request.headers.get("X-SoloOps-Signature", ""), body):
        return _error(400, Code.INVALID_SIGNATURE, "the X-SoloOps-Signature header does not "
                      f"match this body, or is more than {TOLERANCE_SECONDS} s old",
                      "X-SoloOps-Signature")  # fmt: skip
    try:
        reports = feedback_parse(body, request.content_type or "")
        rows = feedback_receive_all(reports=reports, actor=FEEDBACK)
    except ApplicationError as e:
        return JsonResponse(e.as_dict(), status=e.status)
    suppressed = [
        {"email": row.email, "reason": row.reason, "campaign_id": row.campaign_id} for row in rows
    ]
    return JsonResponse({"reports": len(reports), "suppressed": suppressed}, status=202)
