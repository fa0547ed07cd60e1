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

from .check_email import email_test_send
from .guards import marketing_block_reason, marketing_guard_add, undeliverable_reason
from .owner_notices import owner_notice_enqueue
from .queueing import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Subject,
    email_enqueue,
    message_id_for,
)
from .sending import (
    MAILER,
    MAX_SEND_ATTEMPTS,
    email_resend,
    email_send,
    emails_retry_due,
    retry_delay,
    send_lease,
)
from .templates import (
    email_template_check,
    email_template_preview,
    email_template_reset,
    email_template_save,
)

__all__ = [
    "MAILER",
    "MAX_ATTACHMENT_BYTES",
    "MAX_SEND_ATTEMPTS",
    "Attachment",
    "Subject",
    "email_enqueue",
    "email_resend",
    "email_send",
    "email_template_check",
    "email_template_preview",
    "email_template_reset",
    "email_template_save",
    "email_test_send",
    "emails_retry_due",
    "marketing_block_reason",
    "marketing_guard_add",
    "message_id_for",
    "owner_notice_enqueue",
    "retry_delay",
    "send_lease",
    "undeliverable_reason",
]
