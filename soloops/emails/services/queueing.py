"""Queueing an email: checked, rendered now, stored with its attachments, and handed to the
``send_email`` task once the caller's transaction commits."""

import base64
import hashlib
import json
import logging
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.emails import selectors
from soloops.emails.errors import EmailErrorCode as Code
from soloops.emails.kinds import KINDS, LANGUAGES
from soloops.emails.models import EmailSend
from soloops.emails.rendering import Rendered, TemplateProblem, render
from soloops.errors import InvalidInput
from soloops.events.services import event_emit

logger = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

Subject = tuple[str, str]
Attachment = tuple[str, bytes | str, str]


def _json_safe(context: dict) -> dict:
    try:
        data = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as e:
        raise InvalidInput(
            Code.INVALID_CONTEXT, f"the context must be JSON data: {e}", field="context"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(Code.INVALID_CONTEXT, "the context must be an object", field="context")
    return data


def _stored_attachments(attachments) -> list[dict]:
    stored, total = [], 0
    for i, (filename, content, mimetype) in enumerate(attachments):
        raw = content.encode() if isinstance(content, str) else bytes(content)
        total += len(raw)
        if not filename or "/" not in (mimetype or ""):
            raise InvalidInput(
                Code.INVALID_ATTACHMENT,
                "an attachment needs a file name and a MIME type such as application/pdf",
                field=f"attachments[{i}]",
            )
        stored.append(
            {
                "filename": filename,
                "mimetype": mimetype,
                "content": base64.b64encode(raw).decode("ascii"),
            }
        )
    if total > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            Code.INVALID_ATTACHMENT,
            f"attachments may hold at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            field="attachments",
        )
    return stored


def _sender_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id_for(idempotency_key: str) -> str:
    """The same Message-ID for every transmission of one send (``email.utils.make_msgid``
    adds time and randomness, which is what a retry must not change)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{_sender_domain()}>"


def _render_current(*, template: str, language: str, context: dict) -> Rendered:
    view = selectors.email_template_get(key=template, language=language)
    try:
        return render(view.source, context=context, language=language)
    except TemplateProblem as problem:
        # The caller gave no template text, so the error names the template to fix.
        raise InvalidInput(
            Code.TEMPLATE_SYNTAX if problem.syntax else Code.TEMPLATE_RENDER,
            f"email template {template} ({language}) {problem}",
            field="template",
            extra={"part": problem.part, "line": problem.line},
        ) from None


def _check(*, to: str, template: str, language: str) -> str:
    to = (to or "").strip().lower()
    try:
        validate_email(to)
    except ValidationError:
        raise InvalidInput(
            Code.INVALID_RECIPIENT, f"{to!r} is not an email address", field="to"
        ) from None
    if template not in KINDS:
        raise InvalidInput(
            Code.UNKNOWN_TEMPLATE, f"no email template {template!r}", field="template"
        )
    if language not in LANGUAGES:
        raise InvalidInput(
            Code.UNKNOWN_LANGUAGE,
            f"language must be one of {', '.join(LANGUAGES)}, not {language!r}",
            field="language",
        )
    return to


def _headers(template: str, context: dict) -> dict[str, str]:
    if not KINDS[template].marketing:
        return {}
    url = str(context.get("unsubscribe_url") or "")
    if not url.startswith(("https://", "http://", "mailto:")):
        raise InvalidInput(
            Code.MISSING_UNSUBSCRIBE,
            f"{template} is marketing email: its context needs an unsubscribe_url",
            field="context.unsubscribe_url",
        )
    headers = {"List-Unsubscribe": f"<{url}>"}
    if url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    return headers


def _event_payload(send: EmailSend, **extra) -> dict:
    return {
        "to": send.to,
        "template": send.template,
        "language": send.language,
        "subject_type": send.subject_type,
        "subject_id": send.subject_id,
        "attempts": send.attempts,
        **extra,
    }


def email_enqueue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    idempotency_key: str,
    subject: Subject,
    actor: Actor,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
    resend_of: EmailSend | None = None,
) -> EmailSend:
    """Queue one email, rendered now, sent by a task after the caller's transaction commits.

    Called again with the same ``idempotency_key`` it returns the first call's send and queues
    nothing. ``subject`` is what the email is about, e.g. ``("orders.order", "42")``.
    ``attachments`` are ``(filename, content, mimetype)``, stored so every attempt sends the
    same bytes. A template that does not render raises ``InvalidInput`` naming it.
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise InvalidInput(
            Code.INVALID_KEY,
            "an idempotency key of 1 to 200 characters is required",
            field="idempotency_key",
        )
    existing = EmailSend.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    to = _check(to=to, template=template, language=language)
    context = _json_safe(context)
    rendered = _render_current(template=template, language=language, context=context)
    row = EmailSend(
        to=to,
        template=template,
        language=language,
        subject_type=subject[0],
        subject_id=str(subject[1]),
        subject_line=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        context=context,
        attachments=_stored_attachments(attachments),
        headers=_headers(template, context),
        message_id=message_id_for(idempotency_key),
        idempotency_key=idempotency_key,
        next_attempt_at=timezone.now(),
        resend_of=resend_of,
    )
    return _queue(row, actor=actor)


def _queue(row: EmailSend, *, actor: Actor) -> EmailSend:
    """Save the rendered send with its ``email.queued`` event; its task goes after commit. A
    concurrent call with the same key that committed first wins: its send is returned."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            return EmailSend.objects.get(idempotency_key=row.idempotency_key)
        event_emit(
            type="email.queued",
            subject=row,
            payload=_event_payload(
                row,
                resend_of=row.resend_of_id,
                subject_line=row.subject_line,
            ),
            actor=actor,
        )
        transaction.on_commit(lambda: _enqueue_send(row.pk))
    return row


def _enqueue_send(send_id: int, run_after: datetime | None = None) -> None:
    from soloops.emails.tasks import send_email

    try:
        task = send_email.using(run_after=run_after) if run_after else send_email
        task.enqueue(send_id=send_id)
    except Exception:
        # The send is committed; the scheduler's emails_retry_due hands it out again.
        logger.exception("could not enqueue email %s; the retry sweep will", send_id)
