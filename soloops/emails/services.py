"""Every write on emails: queue, send (the task body), retry, resend, and template edits.

Promises:
- ``email_enqueue`` twice with the same idempotency key makes one send (the first call wins);
- a send is transmitted at most once by this code, however often its task runs: the row is
  claimed before the mail server is contacted and marked sent after. A worker killed between
  the server accepting and the row saying "sent" leaves a window SMTP cannot close: the send is
  handed out again once its claim expires (``EMAIL_SEND_LEASE_SECONDS``), so it goes out at
  most once more per such crash, with the same ``Message-ID``, which mail clients fold;
- a failed attempt is retried with exponential backoff, ``MAX_SEND_ATTEMPTS`` in all, then the
  send is ``gave_up`` (visible in ``/api/emails?status=gave_up``, and resendable).

Retries travel as tasks enqueued with ``run_after`` (both the database and the Celery task
backends defer them durably). ``emails_retry_due`` is the safety net for a task that was lost
anyway (a crash between commit and enqueue, a broker outage, a worker killed mid-send); the
scheduler calls it on every tick, as it does the event relay.
"""

import base64
import binascii
import hashlib
import json
import logging
import smtplib
import uuid
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.emails import selectors
from soloops.emails.errors import EmailErrorCode as Code
from soloops.emails.kinds import KINDS, LANGUAGES
from soloops.emails.models import PENDING, EmailSend, EmailTemplate, SendStatus
from soloops.emails.rendering import Rendered, TemplateProblem, TemplateSource, render
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.shop.selectors import shop_profile

logger = logging.getLogger(__name__)

MAILER = "default"  # the MAILERS alias every email goes through
MAX_SEND_ATTEMPTS = 8
# Waits after attempt 1, 2, ...: 1, 2, 4, 8, 16, 32, 60 minutes, so a mail server that is down
# for about two hours loses nothing.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
# The safety net's wait between re-enqueues of one send doubles up to this cap.
RELAY_CAP = timedelta(hours=1)
RELAY_BATCH = 200
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ABANDONED = (
    "the worker stopped while sending; if the server had accepted the email, the copy sent "
    "again carries the same Message-ID"
)

Subject = tuple[str, str]
Attachment = tuple[str, bytes | str, str]


# --- queueing -------------------------------------------------------------------------------


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


def _problem_error(problem: TemplateProblem) -> InvalidInput:
    return InvalidInput(
        Code.TEMPLATE_SYNTAX if problem.syntax else Code.TEMPLATE_RENDER,
        str(problem),
        field=problem.part,
        extra={"line": problem.line},
    )


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
    headers = _headers(template, context)
    stored = _stored_attachments(attachments)
    rendered = _render_current(template=template, language=language, context=context)
    subject_type, subject_id = subject
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                send = EmailSend.objects.create(
                    to=to,
                    template=template,
                    language=language,
                    subject_type=subject_type,
                    subject_id=str(subject_id),
                    subject_line=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    context=context,
                    attachments=stored,
                    headers=headers,
                    message_id=message_id_for(idempotency_key),
                    idempotency_key=idempotency_key,
                    next_attempt_at=now,
                    resend_of=resend_of,
                )
        except IntegrityError:
            # A concurrent call with the same key committed first: its send is the one.
            return EmailSend.objects.get(idempotency_key=idempotency_key)
        event_emit(
            type="email.queued",
            subject=send,
            payload=_event_payload(
                send, resend_of=resend_of.pk if resend_of else None, subject_line=send.subject_line
            ),
            actor=actor,
        )
        transaction.on_commit(lambda: _enqueue_send(send.pk))
    return send


def _enqueue_send(send_id: int, run_after: datetime | None = None) -> None:
    from soloops.emails.tasks import send_email

    try:
        task = send_email.using(run_after=run_after) if run_after else send_email
        task.enqueue(send_id=send_id)
    except Exception:
        # The send is committed; the scheduler's emails_retry_due hands it out again.
        logger.exception("could not enqueue email %s; the retry sweep will", send_id)


# --- sending --------------------------------------------------------------------------------


def _message(send: EmailSend) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=send.subject_line,
        body=send.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[send.to],
        headers={"Message-ID": send.message_id, **send.headers},
        # Replies reach the shop's contact address (Settings); From stays the address the mail
        # server may send as.
        reply_to=[contact] if (contact := shop_profile().contact_email) else None,
    )
    if send.body_html:
        message.attach_alternative(send.body_html, "text/html")
    for item in send.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    return message


def _is_permanent(exc: Exception) -> bool:
    """A refusal no retry can change: the server's 5xx for the recipient, sender or content,
    or a message that cannot even be built."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, ValueError | TypeError | binascii.Error)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def send_lease() -> timedelta:
    """How long a worker's claim on a send lasts; past it, the send counts as abandoned."""
    return timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)


def _claim(send_id: int, now: datetime) -> EmailSend | None:
    """Take the send for this worker, or None if it is done or another worker holds it."""
    with transaction.atomic():
        send = EmailSend.objects.select_for_update().filter(pk=send_id).first()
        if send is None or send.status in (SendStatus.SENT, SendStatus.GAVE_UP):
            return None
        claimed_until = send.next_attempt_at
        if send.status == SendStatus.SENDING and claimed_until and claimed_until > now:
            return None  # another worker is sending it right now
        send.status = SendStatus.SENDING
        send.attempts += 1
        send.next_attempt_at = now + send_lease()
        send.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    return send


def email_send(*, send_id: int) -> EmailSend | None:
    """Send one queued email (the body of the ``send_email`` task); safe to run any number of
    times. Returns the send as it now stands, or None if there was nothing to do.

    The mail server is contacted outside any transaction: on SQLite an open transaction holds
    the database's write lock, which must not wait on the network.
    """
    send = _claim(send_id, timezone.now())
    if send is None:
        return None
    try:
        _message(send).send(using=MAILER)
    except Exception as exc:
        logger.warning("email %s attempt %s failed: %s", send.pk, send.attempts, exc)
        return _record_failure(send_id, f"{type(exc).__name__}: {exc}", _is_permanent(exc))
    return _record_sent(send_id)


def _record_sent(send_id: int) -> EmailSend:
    with transaction.atomic():
        send = EmailSend.objects.select_for_update().get(pk=send_id)
        if send.status == SendStatus.SENT:
            return send
        send.status = SendStatus.SENT
        send.sent_at = timezone.now()
        send.next_attempt_at = None
        send.last_error = ""
        send.save(
            update_fields=["status", "sent_at", "next_attempt_at", "last_error", "updated_at"]
        )
        event_emit(
            type="email.sent",
            subject=send,
            payload=_event_payload(send, message_id=send.message_id),
            actor=Actor.system("emails"),
        )
    return send


def _record_failure(send_id: int, error: str, permanent: bool) -> EmailSend:
    now = timezone.now()
    with transaction.atomic():
        send = EmailSend.objects.select_for_update().get(pk=send_id)
        if send.status == SendStatus.SENT:
            return send  # a worker that took over an expired claim got it through
        gave_up = permanent or send.attempts >= MAX_SEND_ATTEMPTS
        send.status = SendStatus.GAVE_UP if gave_up else SendStatus.FAILED
        send.last_error = error[:4000]
        send.next_attempt_at = None if gave_up else now + retry_delay(send.attempts)
        send.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        due = send.next_attempt_at
        event_emit(
            type="email.gave_up" if gave_up else "email.failed",
            subject=send,
            payload=_event_payload(
                send,
                error=send.last_error,
                permanent=permanent,
                next_attempt_at=due.isoformat() if due else None,
            ),
            actor=Actor.system("emails"),
        )
        if not gave_up:
            transaction.on_commit(lambda: _enqueue_send(send_id, run_after=due))
    return send


def _relay_backoff(relays: int) -> timedelta:
    delay = timedelta(seconds=settings.RELAY_DELAY_SECONDS) * (2 ** min(relays, 12))
    return min(delay, RELAY_CAP)


def emails_retry_due(*, now: datetime | None = None) -> int:
    """Hand out again every send still pending well past its due time; return how many.

    The safety net under the tasks: a send queued, failed or claimed whose ``next_attempt_at``
    passed more than ``RELAY_DELAY_SECONDS`` ago lost its task (or its worker), so it gets a
    new one. A claim that expired is released as failed first, so the new task may take it.
    Each re-enqueue doubles the wait before the next, so a stopped worker does not pile up
    tasks. Cheap when nothing is due: one indexed read, no write transaction.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RELAY_DELAY_SECONDS)
    overdue = EmailSend.objects.filter(status__in=PENDING, next_attempt_at__lte=cutoff)
    if not overdue.exists():
        return 0
    with transaction.atomic():
        rows = list(
            overdue.select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .only("pk", "status", "relays")[:RELAY_BATCH]
        )
        for send in rows:
            fields = ["next_attempt_at", "relays", "updated_at"]
            if send.status == SendStatus.SENDING:
                send.status = SendStatus.FAILED
                send.last_error = ABANDONED
                fields += ["status", "last_error"]
            send.next_attempt_at = now + _relay_backoff(send.relays)
            send.relays += 1
            send.save(update_fields=fields)
            transaction.on_commit(lambda pk=send.pk: _enqueue_send(pk))
    if rows:
        logger.info("re-enqueued %d overdue emails", len(rows))
    return len(rows)


def email_resend(*, send: EmailSend, actor: Actor, key: str | None = None) -> EmailSend:
    """Send an email again as a new send (the owner's choice), rendered from the same context
    with today's template. ``key`` makes a repeated request (a double click) resend once."""
    if send.status not in (SendStatus.SENT, SendStatus.GAVE_UP):
        raise Conflict(
            Code.NOT_RESENDABLE,
            f"email {send.pk} is {send.status} and will still be tried; resend it once it is "
            "sent or given up",
            field="status",
            extra={"status": send.status},
        )
    attachments = [
        (a["filename"], base64.b64decode(a["content"]), a["mimetype"]) for a in send.attachments
    ]
    return email_enqueue(
        to=send.to,
        template=send.template,
        context=send.context,
        language=send.language,
        idempotency_key=f"resend:{send.pk}:{key or uuid.uuid4().hex}",
        subject=(send.subject_type, send.subject_id),
        actor=actor,
        attachments=attachments,
        resend_of=send,
    )


# --- templates ------------------------------------------------------------------------------


def email_template_check(*, key: str, language: str, source: TemplateSource) -> Rendered:
    """Compile and render ``source`` against the template's sample context.

    A template that fails raises ``InvalidInput`` naming the part (``subject``, ``body_text``
    or ``body_html``) and, in ``extra.line``, the line.
    """
    selectors.email_template_get(key=key, language=language)  # NotFound for unknown ones
    try:
        return render(source, context=KINDS[key].sample, language=language)
    except TemplateProblem as problem:
        raise _problem_error(problem) from None


def email_template_preview(
    *, key: str, language: str, source: TemplateSource | None = None, context: dict | None = None
) -> Rendered:
    """Render a draft (or the template in force) against the sample context, overlaid with
    ``context``. Writes nothing."""
    view = selectors.email_template_get(key=key, language=language)
    data = {**KINDS[key].sample, **_json_safe(context or {})}
    try:
        return render(source or view.source, context=data, language=language)
    except TemplateProblem as problem:
        raise _problem_error(problem) from None


def email_template_save(
    *, key: str, language: str, source: TemplateSource, actor: Actor
) -> EmailTemplate:
    """Save the owner's version; one that does not compile or render saves nothing."""
    email_template_check(key=key, language=language, source=source)
    with transaction.atomic():
        row, created = EmailTemplate.objects.select_for_update().get_or_create(
            key=key,
            language=language,
            defaults={
                "subject": source.subject,
                "body_text": source.body_text,
                "body_html": source.body_html,
            },
        )
        if not created:
            row.subject = source.subject
            row.body_text = source.body_text
            row.body_html = source.body_html
            row.save(update_fields=["subject", "body_text", "body_html", "updated_at"])
        event_emit(
            type="email_template.updated",
            subject=row,
            payload={"key": key, "language": language, "created": created},
            actor=actor,
        )
    return row


def email_template_reset(*, key: str, language: str, actor: Actor) -> None:
    """Drop the owner's version, so the shipped default is used again."""
    selectors.email_template_get(key=key, language=language)
    with transaction.atomic():
        row = EmailTemplate.objects.select_for_update().filter(key=key, language=language).first()
        if row is None:
            return
        event_emit(
            type="email_template.reset",
            subject=row,
            payload={"key": key, "language": language},
            actor=actor,
        )
        row.delete()
