"""Event types the inventory app emits (subject: the ``catalog.variant``)."""

from soloops.events.catalogue import EventType, Payload, declare


class Level(Payload):
    sku: str
    location_id: int
    available: int
    threshold: int


class Movement(Payload):
    sku: str
    kind: str
    quantity: int
    on_hand: int
    reason: str
    location_id: int


EVENTS = declare(
    EventType(
        "stock.low", Level, "available stock fell below the SKU's threshold", "catalog.variant"
    ),
    EventType("stock.out", Level, "available stock reached zero", "catalog.variant"),
    EventType("stock.received", Movement, "goods were received into stock", "catalog.variant"),
    EventType(
        "stock.adjusted", Movement, "on-hand stock was adjusted or counted", "catalog.variant"
    ),
)
