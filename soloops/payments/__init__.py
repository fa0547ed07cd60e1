"""Payments: taking an order's money and giving it back.

Owns ``Payment`` (one attempt to take an order's total through one provider), ``Refund``,
``WebhookEvent`` (each provider notification, stored once) and the sandbox processor's ledger.
Providers (``providers/``: manual, sandbox, stripe) sit behind one interface; every call to
one carries an idempotency key derived from (payment or refund, action) and runs outside any
database transaction. A captured payment marks its order paid in the same transaction.

Emits ``payment.authorized``, ``payment.captured``, ``payment.failed``, ``payment.refunded``,
``payment.refund_failed``, ``payment.refund_due`` and ``payment_webhook.received`` (see
``events.py``).
"""
