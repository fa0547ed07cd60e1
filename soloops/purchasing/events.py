"""Event types purchasing emits, with their payloads.

- ``purchase_order.drafted``: {number, supplier_id, supplier, currency, total, trigger,
  lines: [{sku, quantity, unit_cost}]} — a new draft from a low-stock run.
- ``purchase_order.lines_changed``: {number, source: "reorder" | "edit", changes: [{sku, from,
  to, unit_cost?}], total, trigger?} — a draft's lines changed: a later low-stock run added
  to it, or someone edited it.
- ``purchase_order.sent``: {number, supplier_id, to, total, currency, expected_date}
- ``purchase_order.partially_received`` / ``purchase_order.received``: {number,
  lines: [{sku, quantity}] (this receipt), remaining: {sku: units still expected}}; each
  received line also writes a ``stock.received`` event through the inventory ledger.
- ``purchase_order.cancelled``: {number, from, reason}
- ``reorder_policy.updated`` (subject: the variant): {sku, and each changed value}

Handles nothing: low stock is reordered by the default flow "Reorder low stock"
(``soloops/automation/default_flows/reorder-low-stock.yaml``), which calls the action
``purchase_order.draft_for_low_stock`` (``actions.py``) and emails the owner; the owner may edit
it or switch it off.
"""

HANDLERS: dict = {}
