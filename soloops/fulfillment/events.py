"""Event types the fulfillment app emits (subject: the ``fulfillment.shipment``).

- ``shipment.created``: {number, order_number, carrier, carrier_name, service,
  tracking_number, tracking_url, lines: [{order_line_id, sku, title, quantity}]}
- ``shipment.label_created``: {number, order_number, carrier, service, tracking_number,
  tracking_url} — the carrier made the label (once per shipment)
- ``shipment.shipped``: as ``shipment.created``, with the tracking number and URL of the label
- ``shipment.delivered``: {number, order_number, carrier, tracking_number}
- ``shipment.cancelled``: {number, order_number, reason}

``carrier`` is the carrier's code (``manual``, ``sandbox``); ``carrier_name`` is how to name it
to the customer (for ``manual``, the service the owner typed, e.g. "DHL Paket"). The order's
own transitions (``order.fulfilling``, ``order.shipped``, ``order.delivered``) are emitted by
the orders app, in the same transaction.

Handles nothing yet: the default flow "create the shipment" will call ``shipment_create``.
"""

from soloops.events.catalogue import EventType, Payload, declare

HANDLERS: dict = {}


class ShipmentLine(Payload):
    order_line_id: int
    sku: str
    title: str
    quantity: int


class ShipmentRef(Payload):
    number: str
    order_number: str


class ShipmentPayload(ShipmentRef):
    carrier: str
    carrier_name: str
    service: str
    tracking_number: str
    tracking_url: str
    lines: list[ShipmentLine]


class LabelCreated(ShipmentRef):
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str


class Delivered(ShipmentRef):
    carrier: str
    tracking_number: str


class Cancelled(ShipmentRef):
    reason: str


_SUBJECT = "fulfillment.shipment"
EVENTS = declare(
    EventType("shipment.created", ShipmentPayload, "a parcel was put together", _SUBJECT),
    EventType("shipment.label_created", LabelCreated, "the carrier made the label", _SUBJECT),
    EventType("shipment.shipped", ShipmentPayload, "the parcel left with the carrier", _SUBJECT),
    EventType("shipment.delivered", Delivered, "the carrier delivered the parcel", _SUBJECT),
    EventType("shipment.cancelled", Cancelled, "the parcel was dropped before shipping", _SUBJECT),
)
