"""Every write of purchasing: reorder policies, drafting from low stock, line edits on drafts,
sending to the supplier, receiving into the stock ledger, cancelling.

Each runs in one transaction — check, change, record the event — and saves with
``update_fields``. Sending goes through ``emails.services.email_enqueue``, which stores the
message in the same transaction and hands it to the worker only after commit.
"""

from .drafting import DraftRun, purchase_orders_draft_for_low_stock
from .policies import reorder_policy_set
from .purchase_orders import (
    PO_TYPE,
    QUANTITY_MAX,
    LineChange,
    email_idempotency_key,
    purchase_order_cancel,
    purchase_order_line_set,
    purchase_order_lines_set,
    purchase_order_receive,
    purchase_order_send,
)

__all__ = [
    "PO_TYPE",
    "QUANTITY_MAX",
    "DraftRun",
    "LineChange",
    "email_idempotency_key",
    "purchase_order_cancel",
    "purchase_order_line_set",
    "purchase_order_lines_set",
    "purchase_order_receive",
    "purchase_order_send",
    "purchase_orders_draft_for_low_stock",
    "reorder_policy_set",
]
