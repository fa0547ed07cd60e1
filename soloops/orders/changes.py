"""Changes to an order that is already in, other than a move of its state: where it goes.

A sales channel's "order updated" brings a new shipping address; it is applied while the
order has not started being packed (``ADDRESS_CHANGEABLE``), with ``order.address_changed``
naming the old and new address, and refused with ``order_not_changeable`` after that.
"""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.errors import Conflict
from soloops.events.services import event_emit
from soloops.orders.models import Order, OrderStatus

# Before packing starts: afterwards the parcel may be labelled, so the owner decides.
ADDRESS_CHANGEABLE = {
    OrderStatus.PLACED,
    OrderStatus.ON_HOLD,
    OrderStatus.ACCEPTED,
    OrderStatus.PAID,
}


def order_address_change(
    *, order: Order, shipping_address: dict, actor: Actor, reason: str = ""
) -> bool:
    """Send the order to ``shipping_address``; returns whether it changed (the same address
    again changes nothing and emits nothing)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.shipping_address == shipping_address:
            return False
        if order.status not in ADDRESS_CHANGEABLE:
            raise Conflict(
                "order_not_changeable",
                f"order {order.number} is {order.status}: its address can no longer change",
                field="shipping_address",
            )
        before = order.shipping_address
        order.shipping_address = shipping_address
        order.save(update_fields=["shipping_address", "updated_at"])
        event_emit(
            type="order.address_changed",
            subject=order,
            payload={"number": order.number, "from": before, "to": shipping_address,
                     "reason": reason},
            actor=actor,
        )  # fmt: skip
    return True
