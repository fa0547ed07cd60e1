"""Every write the payments app makes: payments, refunds, and provider webhooks."""

from .payments import (
    payment_cancel,
    payment_capture,
    payment_mark_paid_manual,
    payment_reconcile_order,
    payment_record_result,
    payment_sandbox_confirm,
    payment_start,
)
from .refunds import order_cancel_and_refund, payment_refund, refund_record_result, refund_retry
from .webhooks import webhook_process, webhook_receive

__all__ = [
    "order_cancel_and_refund",
    "payment_cancel",
    "payment_capture",
    "payment_mark_paid_manual",
    "payment_reconcile_order",
    "payment_record_result",
    "payment_refund",
    "payment_sandbox_confirm",
    "payment_start",
    "refund_record_result",
    "refund_retry",
    "webhook_process",
    "webhook_receive",
]
