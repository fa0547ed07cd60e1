"""A channel's "order updated" for an order already in here: what moves, and what is said.

- A new shipping address is applied while the order has not started being packed
  (``order_address_change``: ``order.address_changed`` on the timeline); later, the order's
  timeline says the channel changed it (``channel.order_change_refused``, change ``address``)
  and the delivery is held for the owner.
- Changed lines (an item added, removed or its quantity edited, a refund that takes an item
  back) are never applied by themselves: stock is reserved and payment may be taken for the
  lines as they were. The timeline says so (change ``lines``) and the delivery is held, so the
  owner edits or cancels the order here and then settles the delivery.
- An update that changes nothing we keep (a note, a tag, a fulfilment on the channel) is
  processed with nothing to do.
"""

from collections import Counter

from soloops.errors import Conflict
from soloops.events.services import event_emit
from soloops.integrations.channels import ChannelOrder
from soloops.integrations.models.channels import ChannelDelivery, InboundStatus
from soloops.orders.selectors import order_get_for
from soloops.orders.services import order_address_change

UPDATE_TOPICS = ("orders/updated", "orders/edited", "order.updated")


def placed_number(row: ChannelDelivery, external_id: str) -> str:
    """Our order number for this channel order, or "" when it has not come in."""
    return (
        ChannelDelivery.objects.filter(channel=row.channel, external_order_id=external_id)
        .exclude(order_number="")
        .values_list("order_number", flat=True)
        .first()
        or ""
    )


def channel_order_update(row: ChannelDelivery, incoming: ChannelOrder, placed: str, actor):
    """Apply what may be applied of the channel's update to our order ``placed``; returns the
    delivery's (status, reason). Precondition: inside the delivery's transaction."""
    order = order_get_for(actor=actor, number=placed)
    row.order_number = placed
    said, refused = [], []
    address = incoming.shipping_address
    if address and address != order.shipping_address:
        try:
            order_address_change(
                order=order, shipping_address=address, actor=actor,
                reason=f"changed on {row.channel.name}",
            )  # fmt: skip
            said.append("shipping address changed")
        except Conflict:
            refused.append("address")
    theirs = Counter()
    for line in incoming.lines:
        theirs[row.channel.sku_map.get(line.sku, line.sku)] += line.quantity
    ours = Counter()
    for line in order.lines.all():
        ours[line.sku] += line.quantity
    if theirs != ours:
        refused.append("lines")
    for change in refused:
        event_emit(
            type="channel.order_change_refused",
            subject=order,
            payload={"name": row.channel.name, "kind": row.channel.kind,
                     "order_number": placed, "status": order.status, "change": change},
            actor=actor,
        )  # fmt: skip
    if refused:
        what = " and ".join(refused)
        return (
            InboundStatus.HELD,
            f"{placed} ({order.status}): the {what} changed on the channel and cannot be "
            "applied here by itself; change the order here, then settle this delivery",
        )
    return InboundStatus.PROCESSED, f"{placed}: " + (", ".join(said) or "nothing to change")
