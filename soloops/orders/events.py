"""Event types the orders app emits (one per transition; subject = the order):

- ``order.placed``: {number, channel, email, total, currency, lines: [{sku, quantity}]}
- ``order.accepted`` / ``order.on_hold`` / ``order.rejected`` at intake: {number, review}
- every later transition ``order.<status>``: {number, from, reason, ...}

Flows about an order see ``order``, ``customer`` and ``lines`` (``selectors.order_context``).
"""

from pydantic import Field

from soloops.events.catalogue import EventType, Payload, declare

from .selectors import order_context

CONTEXT = {"orders.order": order_context}


class LineQuantity(Payload):
    sku: str
    quantity: int


class OrderPlaced(Payload):
    number: str
    channel: str
    email: str
    total: str
    currency: str
    lines: list[LineQuantity]


class OrderMoved(Payload):
    """At intake: {number, review}; any later move: {number, from, reason, ...}."""

    number: str
    review: dict | None = None
    from_: str | None = Field(default=None, alias="from")
    reason: str | None = None


class AddressChanged(Payload):
    number: str
    from_: dict = Field(alias="from")
    to: dict
    reason: str = ""


class OrderImported(Payload):
    """A past order from another platform, kept as history: no stock, payment, email or flow."""

    number: str
    email: str
    total: str
    currency: str
    status: str
    placed_at: str
    lines: list[dict]


class ShippingRatePayload(Payload):
    country: str
    method: str
    days_min: int | None
    days_max: int | None
    amount: str
    free_over: str | None


class TaxRatePayload(Payload):
    country: str
    rate: str


class PolicyChanges(Payload):
    changes: dict


_MOVES = {
    "accepted": "the order was accepted and its stock reserved",
    "on_hold": "the order waits for the owner's decision",
    "rejected": "the order was refused",
    "paid": "the order's payment was captured",
    "fulfilling": "the order is being packed",
    "shipped": "every line of the order has shipped",
    "delivered": "every parcel of the order was delivered",
    "completed": "nothing is left to do for the order",
    "cancelled": "the order was cancelled and its stock released",
}
_TABLES = {"shipping_rate": ShippingRatePayload, "tax_rate": TaxRatePayload}

EVENTS = declare(
    EventType("order.placed", OrderPlaced, "an order came in", "orders.order"),
    EventType(
        "order.imported",
        OrderImported,
        "a past order was imported as history (no stock, payment, email or flow)",
        "orders.order",
    ),
    *(EventType(f"order.{s}", OrderMoved, doc, "orders.order") for s, doc in _MOVES.items()),
    EventType(
        "order.address_changed",
        AddressChanged,
        "the order's shipping address changed before packing (from, to, reason)",
        "orders.order",
    ),
    *(
        EventType(f"{table}.{verb}", payload, f"a row of the {table} table was {verb}")
        for table, payload in _TABLES.items()
        for verb in ("created", "updated", "deleted")
    ),
    EventType(
        "review_policy.updated", PolicyChanges, "review thresholds changed: {field: {from, to}}"
    ),
)
