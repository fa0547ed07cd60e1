"""Drafting from low stock, receiving into the ledger, editing and cancelling, by the services.

A draft orders up to the target level (at least the supplier's minimum), one draft per
supplier, and says why for each line; what is already on order counts, so a second run orders
nothing more; a receipt writes receipt movements and refuses more than was ordered.
"""

from decimal import Decimal

import pytest

from soloops.errors import Conflict, InvalidInput
from soloops.inventory.models import Movement
from soloops.inventory.selectors import ledger_mismatches
from soloops.inventory.services import stock_change
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from soloops.purchasing.selectors import reorder_policy_for
from soloops.purchasing.services import (
    LineChange,
    purchase_order_cancel,
    purchase_order_line_set,
    purchase_order_lines_set,
    purchase_order_receive,
    purchase_order_send,
    purchase_orders_draft_for_low_stock,
    reorder_policy_set,
)
from tests.factories import SYSTEM
from tests.purchasing.conftest import events, make_supplier, place, row_counts, sells, sku

pytestmark = pytest.mark.usefixtures("default_location")


def draft_run():
    return purchase_orders_draft_for_low_stock(actor=SYSTEM)


def lines_of(po: PurchaseOrder) -> dict[str, int]:
    return {ln.sku: ln.quantity_ordered for ln in po.lines.all()}


def on_hand(variant) -> int:
    return variant.stock.get().on_hand


# --- drafting ---------------------------------------------------------------------------------


def test_a_draft_orders_up_to_the_target_respecting_the_minimum_grouped_per_supplier():
    # given: two suppliers; the mug maker sells in tens
    mugs = make_supplier("Mug Maker", moq=10, lead_time_days=14)
    tea = make_supplier("Tea House", moq=1, lead_time_days=3)
    blue = sku("MUG-BLUE", stock=3, threshold=5)  # short 7 → 10 (the minimum)
    red = sku("MUG-RED", stock=2, threshold=8)  # short 14 → 14
    green = sku("TEA-GREEN", stock=1, threshold=4)  # short 7 → 7
    full = sku("MUG-FULL", stock=50, threshold=5)  # not short
    for variant in (blue, red, full):
        sells(mugs, variant, cost="3.00")
    sells(tea, green, cost="1.25")
    reorder_policy_set(variant=red, reorder_point=8, target_level=16, actor=SYSTEM)

    # when
    run = draft_run()

    # then: one draft per supplier
    assert len(run.created) == 2 and run.extended == []
    by_supplier = {po.supplier.name: po for po in run.created}
    mug_po, tea_po = by_supplier["Mug Maker"], by_supplier["Tea House"]
    assert lines_of(mug_po) == {"MUG-BLUE": 10, "MUG-RED": 14}
    assert lines_of(tea_po) == {"TEA-GREEN": 7}
    assert mug_po.status == PurchaseOrderStatus.DRAFT
    assert mug_po.total == Decimal("72.00")  # 24 x 3.00
    assert mug_po.number.startswith("PO-") and len(mug_po.number) == len("PO-2026-XXXXXX")
    assert (mug_po.expected_date - mug_po.created_at.date()).days == 14
    line = mug_po.lines.get(sku="MUG-BLUE")
    assert (line.supplier_sku, line.unit_cost) == ("MUG-MUG-BLUE", Decimal("3.00"))

    # and each line says why
    [why] = mug_po.reason["lines"]["MUG-BLUE"]
    assert why | {"at": None} == {
        "kind": "reorder",
        "at": None,
        "trigger": {"kind": "manual"},
        "on_hand": 3,
        "reserved": 0,
        "available": 3,
        "incoming": 0,
        "reorder_point": 5,
        "reorder_point_source": "low_stock_threshold",
        "target_level": 10,
        "target_level_source": "twice_reorder_point",
        "shortfall": 7,
        "min_order_quantity": 10,
        "supplier_choice": "cheapest",
        "quantity": 10,
    }
    [why_red] = mug_po.reason["lines"]["MUG-RED"]
    assert (why_red["reorder_point_source"], why_red["target_level"]) == ("policy", 16)

    # and one drafted event per order, with its lines
    drafted = {e.payload["number"]: e for e in events("purchase_order.drafted")}
    assert drafted[mug_po.number].payload["lines"] == [
        {"sku": "MUG-BLUE", "quantity": 10, "unit_cost": "3.00"},
        {"sku": "MUG-RED", "quantity": 14, "unit_cost": "3.00"},
    ]
    assert (drafted[mug_po.number].subject_type, drafted[mug_po.number].subject_id) == (
        "purchasing.purchaseorder",
        str(mug_po.pk),
    )


def test_the_preferred_supplier_beats_the_cheapest_and_reserved_stock_is_not_available(
    accepting_policy,
):
    # given: two suppliers of one SKU; 8 on hand but 5 of them reserved for an order
    cheap = make_supplier("Cheap Co")
    dear = make_supplier("Dear Co")
    mug = sku("MUG-1", stock=8, threshold=5)
    sells(cheap, mug, cost="1.00")
    sells(dear, mug, cost="2.00")
    place(("MUG-1", 5))
    reorder_policy_set(variant=mug, preferred_supplier_id=dear.pk, actor=SYSTEM)

    # when
    [po] = draft_run().created

    # then
    assert po.supplier == dear
    assert lines_of(po) == {"MUG-1": 7}  # available 3 → target 10
    [why] = po.reason["lines"]["MUG-1"]
    assert (why["on_hand"], why["reserved"], why["available"]) == (8, 5, 3)
    assert why["supplier_choice"] == "preferred"


def test_a_draft_run_twice_in_a_row_orders_nothing_the_second_time():
    # given
    supplier = make_supplier("Mug Maker", moq=4)
    mug = sku("MUG-1", stock=2, threshold=5)
    sells(supplier, mug)
    [po] = draft_run().created
    before = row_counts()

    # when
    again = draft_run()

    # then: the open draft counts as incoming; nothing written, no event
    assert again.purchase_orders == []
    assert row_counts() == before
    assert lines_of(po) == {"MUG-1": 8}


def test_after_receiving_a_rerun_orders_again_only_for_a_new_need():
    # given: ordered, sent and received in full
    supplier = make_supplier("Mug Maker")
    mug = sku("MUG-1", stock=2, threshold=5)
    sells(supplier, mug)
    [po] = draft_run().created
    purchase_order_send(po=po, actor=SYSTEM)
    purchase_order_receive(po=po, lines=None, actor=SYSTEM)
    assert on_hand(mug) == 10

    # when: run again with nothing sold since
    # then: the stock that arrived is not ordered again
    assert draft_run().purchase_orders == []

    # when: 7 more leave (10 → 3), a new need
    stock_change(variant=mug, quantity=-7, kind="adjustment", reason="breakage", actor=SYSTEM)
    [second] = draft_run().created

    # then: a new order for that need only
    assert second.pk != po.pk
    assert lines_of(second) == {"MUG-1": 7}
    [why] = second.reason["lines"]["MUG-1"]
    assert (why["available"], why["incoming"]) == (3, 0)


def test_a_new_need_extends_the_suppliers_open_draft_instead_of_a_second_one():
    # given: a draft for one SKU of the supplier
    supplier = make_supplier("Mug Maker")
    blue = sku("MUG-BLUE", stock=2, threshold=5)
    red = sku("MUG-RED", stock=20, threshold=5)
    sells(supplier, blue)
    sells(supplier, red)
    [po] = draft_run().created
    assert lines_of(po) == {"MUG-BLUE": 8}

    # when: the other SKU falls short, and the owner wants more of the first
    stock_change(variant=red, quantity=-18, kind="adjustment", reason="flood", actor=SYSTEM)
    stock_change(variant=blue, quantity=-1, kind="adjustment", reason="flood", actor=SYSTEM)
    reorder_policy_set(variant=blue, reorder_point=12, target_level=15, actor=SYSTEM)
    run = draft_run()

    # then: the same draft grows, by the new shortfall only (1 available + 8 on order → 15)
    assert run.created == [] and [p.pk for p in run.extended] == [po.pk]
    po.refresh_from_db()
    assert lines_of(po) == {"MUG-BLUE": 14, "MUG-RED": 8}
    assert po.total == Decimal("44.00")
    assert [d["quantity"] for d in po.reason["lines"]["MUG-BLUE"]] == [8, 6]
    assert po.reason["lines"]["MUG-BLUE"][1]["incoming"] == 8
    [changed] = events("purchase_order.lines_changed")
    assert changed.payload["changes"] == [
        {"sku": "MUG-BLUE", "from": 8, "to": 14},
        {"sku": "MUG-RED", "from": 0, "to": 8},
    ]
    assert PurchaseOrder.objects.count() == 1


def test_skus_without_a_supplier_or_inactive_or_with_a_zero_reorder_point_are_not_ordered():
    # given
    supplier = make_supplier("Mug Maker")
    orphan = sku("NO-SUPPLIER", stock=0, threshold=5)  # nobody sells it to us
    retired = sku("RETIRED", stock=0, threshold=5, active=False)
    never = sku("NEVER", stock=0, threshold=5)
    sells(supplier, retired)
    sells(supplier, never)
    reorder_policy_set(variant=never, reorder_point=0, actor=SYSTEM)

    # when / then
    assert draft_run().purchase_orders == []
    assert reorder_policy_for(variant=orphan).supplier_choice == "none"


# --- receiving --------------------------------------------------------------------------------


@pytest.fixture
def sent_order():
    supplier = make_supplier("Mug Maker")
    blue = sku("MUG-BLUE", stock=0, threshold=5)  # orders 10
    red = sku("MUG-RED", stock=1, threshold=3)  # orders 5
    sells(supplier, blue)
    sells(supplier, red)
    [po] = draft_run().created
    return purchase_order_send(po=po, actor=SYSTEM)


def line_ids(po) -> dict[str, int]:
    return {ln.sku: ln.pk for ln in po.lines.all()}


def test_a_partial_receipt_writes_receipt_movements_and_leaves_the_rest_incoming(sent_order):
    # given
    po = sent_order
    ids = line_ids(po)

    # when: 4 of the 10 blue mugs arrive
    po = purchase_order_receive(po=po, lines={ids["MUG-BLUE"]: 4}, actor=SYSTEM)

    # then
    assert po.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert po.received_at is None
    blue = po.lines.get(sku="MUG-BLUE")
    assert (blue.quantity_ordered, blue.quantity_received) == (10, 4)
    [movement] = Movement.objects.filter(kind="receipt", reference_type="purchasing.purchaseorder")
    assert (movement.quantity, movement.reference_id, movement.reason) == (4, str(po.pk), po.number)
    assert on_hand(blue.variant) == 4
    assert ledger_mismatches() == []
    [partial] = events("purchase_order.partially_received")
    assert partial.payload["lines"] == [{"sku": "MUG-BLUE", "quantity": 4}]
    assert partial.payload["remaining"] == {"MUG-BLUE": 6, "MUG-RED": 5}
    assert [e.payload["sku"] for e in events("stock.received")][-1] == "MUG-BLUE"

    # and the 6 still expected count as incoming: nothing more is drafted
    assert draft_run().purchase_orders == []

    # when: the rest arrives
    po = purchase_order_receive(po=po, lines=None, actor=SYSTEM)

    # then
    assert po.status == PurchaseOrderStatus.RECEIVED
    assert po.received_at is not None
    assert {ln.sku: ln.quantity_received for ln in po.lines.all()} == {
        "MUG-BLUE": 10,
        "MUG-RED": 5,
    }
    assert on_hand(blue.variant) == 10
    assert Movement.objects.filter(reference_id=str(po.pk), kind="receipt").count() == 3
    assert ledger_mismatches() == []
    [received] = events("purchase_order.received")
    assert received.payload["remaining"] == {}


def test_receiving_beyond_the_ordered_quantity_is_refused_and_changes_nothing(sent_order):
    # given: 8 of the 10 blue mugs already received
    po = sent_order
    ids = line_ids(po)
    purchase_order_receive(po=po, lines={ids["MUG-BLUE"]: 8}, actor=SYSTEM)
    before = row_counts()

    # when: the same line again with 3 (only 2 are still expected), alongside a valid line
    with pytest.raises(Conflict) as refused:
        purchase_order_receive(po=po, lines={ids["MUG-RED"]: 1, ids["MUG-BLUE"]: 3}, actor=SYSTEM)

    # then: refused, naming the line; nothing written, not even the valid line
    assert refused.value.code == "over_receipt"
    assert refused.value.field == "lines[1].quantity"
    assert refused.value.extra == {
        "sku": "MUG-BLUE",
        "ordered": 10,
        "received": 8,
        "remaining": 2,
        "requested": 3,
    }
    assert row_counts() == before
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert {ln.sku: ln.quantity_received for ln in po.lines.all()} == {
        "MUG-BLUE": 8,
        "MUG-RED": 0,
    }
    assert ledger_mismatches() == []


def test_a_receipt_needs_a_sent_order_and_known_lines(sent_order):
    po = sent_order
    with pytest.raises(InvalidInput) as unknown:
        purchase_order_receive(po=po, lines={999_999: 1}, actor=SYSTEM)
    assert (unknown.value.code, unknown.value.field) == ("unknown_line", "lines[0].line_id")

    with pytest.raises(InvalidInput) as empty:
        purchase_order_receive(po=po, lines={}, actor=SYSTEM)
    assert empty.value.field == "lines"

    purchase_order_receive(po=po, lines=None, actor=SYSTEM)
    with pytest.raises(Conflict) as done:
        purchase_order_receive(po=po, lines=None, actor=SYSTEM)
    assert (done.value.code, done.value.extra) == ("illegal_transition", {"status": "received"})


def test_a_draft_cannot_be_received():
    supplier = make_supplier("Mug Maker")
    sells(supplier, sku("MUG-1", stock=0))
    [po] = draft_run().created
    with pytest.raises(Conflict) as refused:
        purchase_order_receive(po=po, lines=None, actor=SYSTEM)
    assert refused.value.code == "illegal_transition"


# --- editing and cancelling -------------------------------------------------------------------


def test_line_edits_on_a_draft_are_all_or_nothing_and_respect_the_minimum():
    # given
    supplier = make_supplier("Mug Maker", moq=5)
    blue = sku("MUG-BLUE", stock=0)
    red = sku("MUG-RED", stock=50)
    sku("NOT-SOLD", stock=50)
    sells(supplier, blue, cost="3.00")
    sells(supplier, red, cost="4.00")
    [po] = draft_run().created
    before = row_counts()

    # when: a valid change followed by bad ones
    for bad, field in (
        (LineChange("MUG-BLUE", 3), "lines[1].quantity"),  # under the minimum of 5
        (LineChange("NOT-SOLD", 6), "lines[1].sku"),  # the supplier does not sell it
        (LineChange("NO-SUCH", 6), "lines[1].sku"),
        (LineChange("MUG-RED", 6), "lines[1].sku"),  # twice in one request
    ):
        with pytest.raises(InvalidInput) as refused:
            purchase_order_lines_set(po=po, lines=[LineChange("MUG-RED", 6), bad], actor=SYSTEM)
        # then
        assert refused.value.field == field
        assert row_counts() == before

    # when: a new line, a new quantity at a new cost
    po = purchase_order_lines_set(
        po=po,
        lines=[LineChange("MUG-RED", 6), LineChange("MUG-BLUE", 12, Decimal("2.50"))],
        actor=SYSTEM,
    )

    # then
    assert lines_of(po) == {"MUG-BLUE": 12, "MUG-RED": 6}
    assert po.total == Decimal("54.00")  # 12 x 2.50 + 6 x 4.00
    [changed] = events("purchase_order.lines_changed")
    assert changed.payload["source"] == "edit"
    assert changed.payload["changes"] == [
        {"sku": "MUG-RED", "from": 0, "to": 6},
        {"sku": "MUG-BLUE", "from": 10, "to": 12, "unit_cost": "2.50"},
    ]
    assert po.reason["lines"]["MUG-BLUE"][-1]["kind"] == "edit"

    # when: quantity 0 removes a line
    po = purchase_order_line_set(po=po, sku="MUG-RED", quantity=0, actor=SYSTEM)
    assert lines_of(po) == {"MUG-BLUE": 12}
    assert po.total == Decimal("30.00")

    # and a sent order's lines are fixed
    purchase_order_send(po=po, actor=SYSTEM)
    with pytest.raises(Conflict):
        purchase_order_line_set(po=po, sku="MUG-BLUE", quantity=20, actor=SYSTEM)


def test_an_empty_draft_cannot_be_sent():
    supplier = make_supplier("Mug Maker")
    sells(supplier, sku("MUG-1", stock=0))
    [po] = draft_run().created
    purchase_order_line_set(po=po, sku="MUG-1", quantity=0, actor=SYSTEM)
    with pytest.raises(InvalidInput) as refused:
        purchase_order_send(po=po, actor=SYSTEM)
    assert (refused.value.code, refused.value.field) == ("empty_order", "lines")


def test_a_cancelled_order_no_longer_counts_as_incoming(sent_order):
    # given: part of the order arrived
    po = sent_order
    purchase_order_receive(po=po, lines={line_ids(po)["MUG-RED"]: 5}, actor=SYSTEM)

    # when: the supplier cannot deliver the rest
    po = purchase_order_cancel(po=po, reason="out of stock at the supplier", actor=SYSTEM)

    # then: what arrived stays; the blue mugs are needed again
    assert po.status == PurchaseOrderStatus.CANCELLED
    [cancelled] = events("purchase_order.cancelled")
    assert cancelled.payload == {
        "number": po.number,
        "from": "partially_received",
        "reason": "out of stock at the supplier",
    }
    [again] = draft_run().created
    assert lines_of(again) == {"MUG-BLUE": 10}
    with pytest.raises(Conflict):
        purchase_order_cancel(po=po, actor=SYSTEM)


# --- policies ---------------------------------------------------------------------------------


def test_a_policy_is_checked_and_defaults_follow_the_threshold():
    # given
    supplier = make_supplier("Mug Maker")
    other = make_supplier("Other Co")
    mug = sku("MUG-1", stock=50, threshold=6)
    sells(supplier, mug)

    # when / then: the defaults
    policy = reorder_policy_for(variant=mug)
    assert (policy.saved, policy.reorder_point, policy.target_level) == (False, 6, 12)
    assert policy.offer.supplier_id == supplier.pk

    # a target under the reorder point, a supplier that does not sell the SKU
    with pytest.raises(InvalidInput) as low:
        reorder_policy_set(variant=mug, reorder_point=10, target_level=9, actor=SYSTEM)
    assert low.value.field == "target_level"
    with pytest.raises(InvalidInput) as foreign:
        reorder_policy_set(variant=mug, preferred_supplier_id=other.pk, actor=SYSTEM)
    assert foreign.value.field == "preferred_supplier_id"

    # a saved policy
    reorder_policy_set(variant=mug, reorder_point=10, target_level=30, auto_send=True, actor=SYSTEM)
    policy = reorder_policy_for(variant=mug)
    assert (policy.saved, policy.reorder_point, policy.target_level, policy.auto_send) == (
        True,
        10,
        30,
        True,
    )
    [updated] = events("reorder_policy.updated")
    assert updated.payload == {
        "sku": "MUG-1",
        "reorder_point": 10,
        "target_level": 30,
        "preferred_supplier_id": None,
        "auto_send": True,
    }
