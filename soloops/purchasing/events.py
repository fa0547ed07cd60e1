"""Event types purchasing emits, with their payloads, and the handlers it registers.

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

Handles ``stock.low``: drafts purchase orders for everything short, and sends those whose every
line's policy says ``auto_send``. The automation engine's default flow "low stock → purchase
order" is to take this over; running both would not order twice, because a draft run counts
open orders as incoming stock.
"""

from soloops.accounts.actors import Actor
from soloops.purchasing import selectors, services

REORDER_ACTOR = Actor.system("reorder")


def reorder_on_stock_low(event) -> None:
    """Runs in the delivery's transaction: drafts and sends commit once, with the delivery.

    The same as the flow action ``purchase_order.draft_for_low_stock`` (``actions.py``);
    remove this handler when the default flow ships."""
    run = services.purchase_orders_draft_for_low_stock(
        actor=REORDER_ACTOR,
        trigger={"kind": "event", "event": event.type, "event_id": event.pk, **_sku(event)},
    )
    for po in run.purchase_orders:
        if selectors.purchase_order_auto_send(po):
            services.purchase_order_send(po=po, actor=REORDER_ACTOR)


def _sku(event) -> dict:
    sku = (event.payload or {}).get("sku")
    return {"sku": sku} if sku else {}


HANDLERS = {
    "stock.low": [reorder_on_stock_low],
}
