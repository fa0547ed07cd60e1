"""Purchasing: the inventory domain's purchasing part — reorder policies and purchase orders.

It lives in its own app only so that it can grow without edits to ``inventory/services.py``;
it owns no stock. Receiving a purchase order writes receipt movements through
``inventory.services.stock_change``, so the ledger stays the one record of on-hand stock.

Owns ``ReorderPolicy`` (per SKU: reorder point, target level, preferred supplier, auto-send),
``PurchaseOrder`` and ``PurchaseOrderLine``.

Emits ``purchase_order.drafted``, ``purchase_order.lines_changed``, ``purchase_order.sent``,
``purchase_order.partially_received``, ``purchase_order.received``,
``purchase_order.cancelled`` and ``reorder_policy.updated``. Its flow actions (``actions.py``)
draft (and, when every line's policy says so, send) purchase orders for low stock; the default
flow "Reorder low stock" calls them on ``stock.low``.
"""
