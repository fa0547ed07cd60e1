"""Sending a queued email (the ``send_email`` task's body), at most once per claim; retrying
with backoff; the scheduler's safety net for sends whose task was lost; the owner's resend."""

import base64
import binascii
import logging
import smtplib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.emails.errors import EmailErrorCode as Code
from soloops.emails.models import PENDING, EmailSend, SendStatus
from soloops.errors import Conflict
from soloops.events.services import event_emit
from soloops.shop.selectors import shop_profile

from .guards import marketing_block_reason, undeliverable_reason
from .queueing import _enqueue_send, _event_payload, email_enqueue

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
ABANDONED = (
    "the worker stopped while sending; if the server had accepted the email, the copy sent "
    "again carries the same Message-ID"
)


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
    blocked = undeliverable_reason(to=send.to) or marketing_block_reason(
        to=send.to, template=send.template, subject_type=send.subject_type
    )
    if blocked:
        # Asked now, not when queued: an unsubscribe between the two still counts.
        return _record_failure(send_id, f"not sent: {blocked}", True)
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
