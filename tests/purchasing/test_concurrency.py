"""Draft runs at the same time, each on its own database connection, never order one need twice.

On PostgreSQL the runs serialize on advisory locks per supplier and SKU (``purchasing.locks``);
on SQLite every write transaction starts IMMEDIATE, so they run one after another anyway.
"""

from soloops.inventory.selectors import ledger_mismatches
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderLine
from soloops.purchasing.services import (
    purchase_order_receive,
    purchase_order_send,
    purchase_orders_draft_for_low_stock,
)
from tests.factories import SYSTEM
from tests.inventory.conftest import run_in_threads
from tests.purchasing.conftest import make_supplier, sells, sku

RUNS = 12


def test_concurrent_draft_runs_order_each_need_once(transactional_db, default_location):
    # given: two suppliers, three short SKUs
    mugs = make_supplier("Mug Maker", moq=5)
    tea = make_supplier("Tea House")
    for code, supplier in (("MUG-BLUE", mugs), ("MUG-RED", mugs), ("TEA-1", tea)):
        sells(supplier, sku(code, stock=1, threshold=5))

    # when: twelve runs at once
    outcomes = run_in_threads(
        lambda i: purchase_orders_draft_for_low_stock(actor=SYSTEM), range(RUNS), workers=RUNS
    )

    # then: no run failed, one draft per supplier, each need ordered once (1 → 10: 9 units)
    assert [repr(v) for kind, v in outcomes if kind == "error"] == []
    assert sorted(PurchaseOrder.objects.values_list("supplier__name", flat=True)) == [
        "Mug Maker",
        "Tea House",
    ]
    assert dict(PurchaseOrderLine.objects.values_list("sku", "quantity_ordered")) == {
        "MUG-BLUE": 9,
        "MUG-RED": 9,
        "TEA-1": 9,
    }
    created = sum(len(value.created) for kind, value in outcomes if kind == "ok")
    assert created == 2


def test_concurrent_receipts_of_one_line_never_exceed_the_order(transactional_db, default_location):
    # given: a sent order for 9 mugs
    mugs = make_supplier("Mug Maker")
    sells(mugs, sku("MUG-1", stock=1, threshold=5))
    [po] = purchase_orders_draft_for_low_stock(actor=SYSTEM).created
    purchase_order_send(po=po, actor=SYSTEM)
    line = po.lines.get()

    # when: eight people each book 2 arriving mugs at once
    outcomes = run_in_threads(
        lambda i: purchase_order_receive(po=po, lines={line.pk: 2}, actor=SYSTEM), range(8)
    )

    # then: four receipts went through (8 units), the rest were refused; the ledger agrees
    assert [kind for kind, _ in outcomes].count("ok") == 4
    assert {getattr(v, "code", repr(v)) for kind, v in outcomes if kind == "error"} == {
        "over_receipt"
    }
    line.refresh_from_db()
    assert line.quantity_received == 8
    assert line.variant.stock.get().on_hand == 9
    assert ledger_mismatches() == []
