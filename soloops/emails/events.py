"""Event types the emails app emits, and the handlers it registers.

Emitted (subject: the ``emails.emailsend``; every payload has to, template, language, attempts
and subject_type / subject_id, what the email is about, e.g. "orders.order" / "42", so an
order's timeline can link its emails):
- ``email.queued``: {..., subject_line, resend_of}
- ``email.sent``: {..., message_id}
- ``email.failed``: {..., error, permanent, next_attempt_at} — an attempt failed; retried then
- ``email.gave_up``: {..., error, permanent, next_attempt_at: null} — no more attempts
- ``email_template.updated``: {key, language, created} / ``email_template.reset``: {key, language}
  (subject: the ``emails.emailtemplate``)

Handled: the default customer emails (see ``handlers.py``), until the automation engine's
default flows take them over. Payloads read from other apps' events:
- ``shipment.shipped``: order_number, carrier, tracking_number, tracking_url (or url)
- ``payment.refunded``: order_number, amount, currency
- ``shipment.delivered``: order_number
"""

from soloops.emails import handlers

HANDLERS = {
    "order.accepted": [handlers.order_confirmation],
    "order.paid": [handlers.order_paid],
    "shipment.shipped": [handlers.order_shipped],
    "shipment.delivered": [handlers.order_delivered],
    "order.delivered": [handlers.order_delivered],
    "order.cancelled": [handlers.order_cancelled],
    "payment.refunded": [handlers.order_refunded],
}
