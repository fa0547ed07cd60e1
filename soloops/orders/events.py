"""Event types the orders app emits (one per transition; subject = the order):

- ``order.placed``: {number, channel, email, total, currency, lines: [{sku, quantity}]}
- ``order.accepted`` / ``order.on_hold`` / ``order.rejected`` at intake: {number, review}
- every later transition ``order.<status>``: {number, from, reason, ...}

Flows about an order see ``order``, ``customer`` and ``lines`` (``selectors.order_context``).
"""

from .selectors import order_context

CONTEXT = {"orders.order": order_context}
