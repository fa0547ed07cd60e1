"""Event types the shop app emits (subject: the ``shop.shopprofile``)."""

from soloops.events.catalogue import EventType, Payload, declare


class ShopUpdated(Payload):
    changes: dict


EVENTS = declare(
    EventType("shop.updated", ShopUpdated, "the shop profile changed: {field: {from, to}}"),
)
