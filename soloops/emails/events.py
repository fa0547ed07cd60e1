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

HANDLERS: dict = {}
