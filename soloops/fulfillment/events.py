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

HANDLERS: dict = {}
