"""Flow actions on orders: accept, hold, reject, cancel. Each takes the order number."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.orders import selectors, services


class OrderIn(BaseModel):
    order: str = Field(description=gettext_noop("the order number, e.g. {{ order.number }}"))


class OrderReasonIn(OrderIn):
    reason: str = Field(min_length=1, max_length=500)


def _order(data: OrderIn, call: ActionCall):
    return selectors.order_get_for(actor=call.actor, number=data.order)


def _accept(data: OrderIn, call: ActionCall) -> dict:
    order = services.order_accept(order=_order(data, call), actor=call.actor)
    return {"number": order.number, "status": order.status}


def _hold(data: OrderReasonIn, call: ActionCall) -> dict:
    order = services.order_hold(order=_order(data, call), actor=call.actor, reason=data.reason)
    return {"number": order.number, "status": order.status}


def _reject(data: OrderReasonIn, call: ActionCall) -> dict:
    order = services.order_reject(order=_order(data, call), actor=call.actor, reason=data.reason)
    return {"number": order.number, "status": order.status}


def _cancel(data: OrderReasonIn, call: ActionCall) -> dict:
    order = services.order_cancel(order=_order(data, call), actor=call.actor, reason=data.reason)
    return {"number": order.number, "status": order.status}


ACTIONS = [
    Action(
        "order.accept",
        _("Accept an order (its stock is already reserved)."),
        OrderIn,
        _accept,
        lambda d, c: f"accept order {d.order}",
    ),
    Action(
        "order.hold",
        _("Hold an order for the owner, with a reason."),
        OrderReasonIn,
        _hold,
        lambda d, c: f"hold order {d.order}: {d.reason}",
    ),
    Action(
        "order.reject",
        _("Reject an order and release its stock."),
        OrderReasonIn,
        _reject,
        lambda d, c: f"reject order {d.order}: {d.reason}",
    ),
    Action(
        "order.cancel",
        _("Cancel an order and release its stock."),
        OrderReasonIn,
        _cancel,
        lambda d, c: f"cancel order {d.order}: {d.reason}",
    ),
]
