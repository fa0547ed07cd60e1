"""Fulfillment: shipments of an order's lines (partial shipments allowed), carriers, packing
slips and labels.

A shipment moves created → shipped → delivered, or created → cancelled. Shipping one turns the
reservations of its lines into sale movements; the order follows: paid → fulfilling when its
first shipment is created, → shipped when every line that ships has shipped, → delivered when
every shipment of a shipped order is delivered.

Emits ``shipment.created``, ``shipment.label_created``, ``shipment.shipped``,
``shipment.delivered`` and ``shipment.cancelled`` (payloads in ``events.py``).
"""
