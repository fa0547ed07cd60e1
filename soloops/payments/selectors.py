"""Reads of payments: one payment or refund for an actor, and an order's payments."""

from django.db.models import Prefetch

from soloops.accounts.actors import Actor
from soloops.errors import NotFound
from soloops.payments.errors import PaymentErrorCode as Code
from soloops.payments.models import Payment, Refund, RefundStatus


def _payments():
    refunds = Refund.objects.select_related("payment").order_by("created_at", "id")
    return Payment.objects.select_related("order").prefetch_related(
        Prefetch("refunds", queryset=refunds)
    )


def payment_get_for(*, actor: Actor, payment_id: int) -> Payment:
    """One payment with its order and refunds, for any signed-in actor (all roles may read)."""
    payment = _payments().filter(pk=payment_id).first() if actor is not None else None
    if payment is None:
        raise NotFound(Code.NOT_FOUND, f"no payment {payment_id}")
    return payment


def payments_for_order(*, order) -> list[Payment]:
    """An order's payments, newest first, each with its refunds (three queries in all)."""
    return list(_payments().filter(order=order).order_by("-created_at", "-id"))


def refund_get_for(*, actor: Actor, refund_id: int) -> Refund:
    refund = (
        Refund.objects.select_related("payment__order").filter(pk=refund_id).first()
        if actor is not None
        else None
    )
    if refund is None:
        raise NotFound(Code.NOT_FOUND, f"no refund {refund_id}")
    return refund


def rollup_refunds(*, start, end) -> list[dict]:
    """Refunds that succeeded, recorded in [start, end): when, how much, in which currency
    (the analytics app's daily facts)."""
    return list(
        Refund.objects.filter(
            status=RefundStatus.SUCCEEDED, created_at__gte=start, created_at__lt=end
        )
        .values("created_at", "amount", "payment__currency")
        .order_by()
    )


def refund_recorded_at(*, refund_id: int):
    """When a refund was recorded (None: no such refund)."""
    return Refund.objects.filter(pk=refund_id).values_list("created_at", flat=True).first()


def refunds_for_orders(*, order_ids: list[int]) -> list[Refund]:
    """The refunds of these orders, newest first, each with its payment's order (one query):
    a customer's page lists what went back to them."""
    return list(
        Refund.objects.select_related("payment__order")
        .filter(payment__order_id__in=order_ids)
        .order_by("-created_at", "-id")
    )
