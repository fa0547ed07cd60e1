"""Flow actions on payments. Provider calls never run inside a database transaction, so
these actions are ``outside``: the engine calls them between transactions, and the payment's
own provider idempotency key makes a repeated call charge or refund once."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.orders.selectors import order_get_for
from soloops.payments import selectors, services
from soloops.payments.models import PaymentStatus


class OrderIn(BaseModel):
    order: str = Field(description=gettext_noop("the order number, e.g. {{ order.number }}"))


def _capture(data: OrderIn, call: ActionCall) -> dict:
    order = order_get_for(actor=call.actor, number=data.order)
    captured = []
    for payment in selectors.payments_for_order(order=order):
        if payment.status == PaymentStatus.AUTHORIZED:
            services.payment_capture(payment=payment, actor=call.actor)
            captured.append(payment.pk)
    return {"captured": captured}


class RefundIn(OrderIn):
    amount: Decimal | None = Field(
        None, gt=0, description=gettext_noop("default: everything refundable")
    )
    reason: str = Field(min_length=1, max_length=500)


def _refund(data: RefundIn, call: ActionCall) -> dict:
    order = order_get_for(actor=call.actor, number=data.order)
    refunded = []
    for payment in selectors.payments_for_order(order=order):
        balance = payment.amount - payment.amount_refunded
        if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            continue
        amount = min(balance, data.amount) if data.amount is not None else balance
        if amount > 0:
            refund, _replayed = services.payment_refund(
                payment=payment,
                amount=amount,
                reason=data.reason,
                actor=call.actor,
                idempotency_key=f"{call.idempotency_key}-{payment.pk}",
            )
            refunded.append({"refund": refund.pk, "amount": str(amount)})
    return {"refunds": refunded}


ACTIONS = [
    Action(
        "payment.capture",
        _(
            "Capture the order's authorized card payments (no-op when there are none, e.g. a "
            "bank transfer, or a card already captured)."
        ),
        OrderIn,
        _capture,
        lambda d, c: f"capture the authorized payments of order {d.order}",
        outside=True,
    ),
    Action(
        "payment.refund",
        _("Refund the order's captured payments (all, or up to an amount), with a reason."),
        RefundIn,
        _refund,
        lambda d, c: f"refund {d.amount or 'everything refundable'} of order {d.order}: {d.reason}",
        outside=True,
    ),
]
