"""Event types the emails app emits.

Emitted (subject: the ``emails.emailsend``; every payload has to, template, language, attempts
and subject_type / subject_id, what the email is about, e.g. "orders.order" / "42", so an
order's timeline can link its emails):
- ``email.queued``: {..., subject_line, resend_of}
- ``email.sent``: {..., message_id}
- ``email.failed``: {..., error, permanent, next_attempt_at} — an attempt failed; retried then
- ``email.gave_up``: {..., error, permanent, next_attempt_at: null} — no more attempts
- ``email_template.updated``: {key, language, created} / ``email_template.reset``: {key, language}
  (subject: the ``emails.emailtemplate``)

Handles nothing: the customer emails about orders, payments and shipments are default flows
(``soloops/automation/default_flows/email-*.yaml``) calling the ``email.order`` action
(``actions.py``), so the owner can edit them or switch them off.
"""

from soloops.events.catalogue import EventType, Payload, declare

HANDLERS: dict = {}


class EmailPayload(Payload):
    to: str
    template: str
    language: str
    subject_type: str
    subject_id: str
    attempts: int


class EmailQueued(EmailPayload):
    subject_line: str
    resend_of: int | None


class EmailSent(EmailPayload):
    message_id: str


class EmailFailed(EmailPayload):
    error: str
    permanent: bool
    next_attempt_at: str | None


class TemplatePayload(Payload):
    key: str
    language: str


class TemplateUpdated(TemplatePayload):
    created: bool


EVENTS = declare(
    EventType("email.queued", EmailQueued, "an email waits to be sent", "emails.emailsend"),
    EventType("email.sent", EmailSent, "the mail server accepted an email", "emails.emailsend"),
    EventType(
        "email.failed", EmailFailed, "a send attempt failed; retried later", "emails.emailsend"
    ),
    EventType("email.gave_up", EmailFailed, "no more send attempts", "emails.emailsend"),
    EventType(
        "email_template.updated", TemplateUpdated, "a template was edited", "emails.emailtemplate"
    ),
    EventType(
        "email_template.reset",
        TemplatePayload,
        "a template went back to the default",
        "emails.emailtemplate",
    ),
)
