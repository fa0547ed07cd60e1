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

from pydantic import Field

from soloops.events.catalogue import EventType, Payload, declare

HANDLERS: dict = {}


class DraftLine(Payload):
    sku: str
    quantity: int
    unit_cost: str


class Drafted(Payload):
    number: str
    supplier_id: int
    supplier: str
    currency: str
    total: str
    trigger: dict
    lines: list[DraftLine]


class LinesChanged(Payload):
    number: str
    source: str
    changes: list[dict]
    total: str


class Sent(Payload):
    number: str
    supplier_id: int
    to: str
    total: str
    currency: str
    expected_date: str


class ReceivedLine(Payload):
    sku: str
    quantity: int


class Received(Payload):
    number: str
    lines: list[ReceivedLine]
    remaining: dict[str, int]


class Cancelled(Payload):
    number: str
    from_: str = Field(alias="from")
    reason: str


class PolicyUpdated(Payload):
    sku: str


_SUBJECT = "purchasing.purchaseorder"
EVENTS = declare(
    EventType("purchase_order.drafted", Drafted, "a draft from a low-stock run", _SUBJECT),
    EventType("purchase_order.lines_changed", LinesChanged, "a draft's lines changed", _SUBJECT),
    EventType("purchase_order.sent", Sent, "the order went to the supplier", _SUBJECT),
    EventType("purchase_order.partially_received", Received, "some of the goods arrived", _SUBJECT),
    EventType("purchase_order.received", Received, "every line arrived in full", _SUBJECT),
    EventType("purchase_order.cancelled", Cancelled, "the order will not arrive", _SUBJECT),
    EventType(
        "reorder_policy.updated", PolicyUpdated, "a SKU's reorder policy changed", "catalog.variant"
    ),
)
