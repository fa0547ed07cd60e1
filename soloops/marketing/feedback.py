"""What a mail service's feedback loop posts, read into ``FeedbackReport`` rows:

- JSON, one report or a list: ``{"type": "complaint" | "bounce", "email": "...",
  "campaign_id"?: 12, "message_id"?: "<...@...>"}`` (what a relay script or a provider's
  webhook is easily made to send);
- raw MIME as mailbox providers send it: an ARF complaint (RFC 5965, ``multipart/report;
  report-type=feedback-report``, Feedback-Type ``abuse`` or ``fraud``) or a delivery status
  notification (RFC 3464, ``report-type=delivery-status``: each recipient whose Action is
  ``failed`` with a 5.x.x Status bounced).

A complaint names its address by our own signed unsubscribe link in the reported email's
``List-Unsubscribe`` header when it is there (providers often blank the recipient), else by
``Original-Rcpt-To``, else by the reported email's ``To``.
"""

import email
import json
import re
from email import policy
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

from pydantic import BaseModel, Field, ValidationError

from soloops.errors import ApplicationError, InvalidInput
from soloops.marketing.errors import MarketingErrorCode as Code
from soloops.marketing.services.feedback import FeedbackReport
from soloops.marketing.tokens import unsubscribe_read

MAX_REPORTS = 100
COMPLAINT_TYPES = {"abuse", "fraud"}  # "not-spam", "virus", "auth-failure": not the recipient's
UNSUBSCRIBE_LINK = re.compile(r"/unsubscribe/([^/>\s]+)/?>")


class FeedbackIn(BaseModel):
    type: str = Field(pattern="^(complaint|bounce)$")
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    campaign_id: int | None = Field(None, ge=1)
    message_id: str = Field("", max_length=255)


def _from_json(body: bytes) -> list[FeedbackReport]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(Code.INVALID_REPORT, "the body is not JSON", field="body") from None
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_REPORTS:
        raise InvalidInput(
            Code.INVALID_REPORT, f"1 to {MAX_REPORTS} reports in one body", field="body"
        )
    reports = []
    for n, item in enumerate(items):
        prefix = f"[{n}]." if isinstance(data, list) else ""
        try:
            row = FeedbackIn.model_validate(item)
        except ValidationError as e:
            error = e.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "body"
            raise InvalidInput(
                Code.INVALID_REPORT, f"{prefix}{field}: {error['msg']}", field=prefix + field
            ) from None
        reports.append(FeedbackReport(row.type, row.email, row.campaign_id, row.message_id))
    return reports


def _fields(part: Message) -> Message:
    """A ``message/feedback-report`` part's fields (the parser gives a nested message, a
    provider's odd framing text)."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return payload[0]
    return HeaderParser().parsestr(str(payload or ""))


def _original(message: Message) -> Message | None:
    """The headers of the email the report is about (message/rfc822 or text/rfc822-headers)."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            return payload[0] if isinstance(payload, list) and payload else None
        if kind == "text/rfc822-headers":
            return HeaderParser().parsestr(part.get_payload(decode=True).decode("utf-8", "replace"))
    return None


def _signed_address(original: Message | None) -> tuple[str, int | None] | None:
    """(email, campaign id) from our unsubscribe link in the reported email, if it is ours."""
    header = re.sub(r"\s+", "", str((original or {}).get("List-Unsubscribe", "")))  # unfolded
    found = UNSUBSCRIBE_LINK.search(header + ">")
    if not found:
        return None
    try:
        return unsubscribe_read(found.group(1))
    except ApplicationError:
        return None


def _address(value: str) -> str:
    addresses = [a for _, a in getaddresses([value.removeprefix("rfc822;").strip()]) if "@" in a]
    return addresses[0] if addresses else ""


def _complaint(part: Message, original: Message | None) -> list[FeedbackReport]:
    fields = _fields(part)
    if str(fields.get("Feedback-Type", "")).strip().lower() not in COMPLAINT_TYPES:
        return []
    message_id = str((original or {}).get("Message-ID", "")).strip()
    signed = _signed_address(original)
    if signed:
        return [FeedbackReport("complaint", signed[0], signed[1], message_id)]
    to = _address(str(fields.get("Original-Rcpt-To", "")))
    to = to or _address(str((original or {}).get("To", "")))
    return [FeedbackReport("complaint", to, None, message_id)] if to else []


def _bounces(part: Message, original: Message | None) -> list[FeedbackReport]:
    blocks = part.get_payload()
    message_id = str((original or {}).get("Message-ID", "")).strip()
    reports = []
    for block in blocks[1:] if isinstance(blocks, list) else []:  # [0]: the per-message fields
        failed = str(block.get("Action", "")).strip().lower() == "failed"
        permanent = str(block.get("Status", "")).strip().startswith("5")
        to = _address(str(block.get("Final-Recipient") or block.get("Original-Recipient") or ""))
        if failed and permanent and to:
            reports.append(FeedbackReport("bounce", to, None, message_id))
    return reports


def _from_mime(body: bytes) -> list[FeedbackReport]:
    message = email.message_from_bytes(body, policy=policy.compat32)
    if not message.is_multipart():
        raise InvalidInput(
            Code.INVALID_REPORT,
            "not a multipart/report (RFC 5965 feedback report or RFC 3464 delivery status)",
            field="body",
        )
    original = _original(message)
    reports = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            reports += _complaint(part, original)
        elif kind == "message/delivery-status":
            reports += _bounces(part, original)
    return reports


def feedback_parse(body: bytes, content_type: str) -> list[FeedbackReport]:
    """The reports in a posted body (JSON or MIME, by its Content-Type); InvalidInput naming
    the field when it is neither. An ARF report of another kind (``not-spam``) or a delivery
    that is only delayed yields no report."""
    if content_type.split(";")[0].strip().lower() == "application/json":
        return _from_json(body)
    return _from_mime(body)
