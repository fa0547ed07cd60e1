"""Event types the payments app emits, and the handlers it registers.

Emitted (subject: the ``payments.payment``; every payload has order_number, payment, provider,
amount, currency and reference — the provider's id of the charge):
- ``payment.authorized``: the provider holds the money (manual: it is expected)
- ``payment.captured``: {..., order_paid} — the money is taken; the order became paid in the
  same transaction (order_paid false: the order was cancelled, rejected or on hold meanwhile)
- ``payment.failed``: {..., reason} — declined or cancelled; nothing was taken
- ``payment.refunded``: {..., amount (this refund), refund, reason, payment_amount,
  amount_refunded, status} — one per refund that succeeded, full or partial
- ``payment.refund_failed``: {..., amount, refund, reason} — the provider refused a refund
- ``payment.refund_due``: {..., refund_due, order_status} — money is held for an order that
  was cancelled or rejected, and no refund covers it yet; refunding is the owner's decision
- ``payment_webhook.received`` (subject: the ``payments.webhookevent``): {provider, event_id,
  type} — a verified provider webhook was stored; its handler acts on it after commit

Handled:
- ``payment_webhook.received``: act on the webhook once (``services.webhook_process``)
- ``order.accepted``: a payment captured while the order was on hold now pays it
- ``order.cancelled`` / ``order.rejected``: captured money not being refunded → refund_due
"""

from soloops.events.catalogue import EventType, Payload, declare
from soloops.payments import handlers


class PaymentPayload(Payload):
    order_number: str
    payment: int
    provider: str
    amount: str
    currency: str
    reference: str


class Captured(PaymentPayload):
    order_paid: bool


class Failed(PaymentPayload):
    reason: str


class Refunded(PaymentPayload):
    refund: int
    reason: str
    payment_amount: str
    amount_refunded: str
    status: str


class RefundFailed(PaymentPayload):
    refund: int
    reason: str


class RefundDue(PaymentPayload):
    refund_due: str
    order_status: str


class WebhookReceived(Payload):
    provider: str
    event_id: str
    type: str


_SUBJECT = "payments.payment"
EVENTS = declare(
    EventType("payment.authorized", PaymentPayload, "the provider holds the money", _SUBJECT),
    EventType("payment.captured", Captured, "the money was taken", _SUBJECT),
    EventType("payment.failed", Failed, "declined or cancelled; nothing was taken", _SUBJECT),
    EventType("payment.refunded", Refunded, "a refund succeeded (amount: this refund)", _SUBJECT),
    EventType("payment.refund_failed", RefundFailed, "the provider refused a refund", _SUBJECT),
    EventType(
        "payment.refund_due", RefundDue, "money is held for a cancelled or rejected order", _SUBJECT
    ),
    EventType(
        "payment_webhook.received",
        WebhookReceived,
        "a verified provider webhook was stored",
        "payments.webhookevent",
    ),
)

HANDLERS = {
    "payment_webhook.received": [handlers.webhook_process],
    "order.accepted": [handlers.order_reconcile],
    "order.cancelled": [handlers.order_reconcile],
    "order.rejected": [handlers.order_reconcile],
}
