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

from soloops.payments import handlers

HANDLERS = {
    "payment_webhook.received": [handlers.webhook_process],
    "order.accepted": [handlers.order_reconcile],
    "order.cancelled": [handlers.order_reconcile],
    "order.rejected": [handlers.order_reconcile],
}
