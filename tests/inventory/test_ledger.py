"""The stock ledger: on_hand is the sum of movements, reserved the sum of active reservations.

Every movement kind goes through the services; ``ledger_mismatches()`` must stay empty, and a
row changed behind the services' back must show up in it.
"""

import pytest
from django.db import transaction
from django.db.models import F

from soloops.errors import Conflict, InvalidInput
from soloops.inventory.models import Movement, Reservation, StockLevel
from soloops.inventory.selectors import ledger_mismatches, stock_for_skus
from soloops.inventory.services import (
    Hold,
    InsufficientStock,
    stock_change,
    stock_consume,
    stock_count,
    stock_release,
    stock_reserve,
)
from tests.catalog.conftest import assert_error, row_counts
from tests.factories import make_variant
from tests.inventory.conftest import SYSTEM, place, stock_of


def line_ids(order) -> list[int]:
    return list(order.lines.order_by("pk").values_list("pk", flat=True))


def assert_ledger(variant, *, on_hand: int, reserved: int) -> None:
    row = stock_of(variant)
    assert (row.on_hand, row.reserved) == (on_hand, reserved)
    assert ledger_mismatches() == []


@pytest.fixture
def stocked(default_location, accepting_policy):
    """A SKU with 20 received."""
    return make_variant("LEDG-1", stock=20)


def test_every_movement_kind_keeps_on_hand_and_reserved_equal_to_the_ledger(stocked):
    # given
    variant = stocked
    assert_ledger(variant, on_hand=20, reserved=0)

    # when / then: each kind of change, checked after each step
    stock_change(variant=variant, quantity=-2, kind="adjustment", reason="damaged", actor=SYSTEM)
    assert_ledger(variant, on_hand=18, reserved=0)
    stock_change(variant=variant, quantity=1, kind="return", actor=SYSTEM)
    assert_ledger(variant, on_hand=19, reserved=0)
    stock_count(variant=variant, counted=17, reason="annual count", actor=SYSTEM)
    assert_ledger(variant, on_hand=17, reserved=0)
    shipped = place(("LEDG-1", 3))  # intake reserves through stock_reserve
    cancelled = place(("LEDG-1", 4))
    assert_ledger(variant, on_hand=17, reserved=7)
    released = stock_release(order_line_ids=line_ids(cancelled), actor=SYSTEM)
    assert_ledger(variant, on_hand=17, reserved=3)
    (sale,) = stock_consume(
        order_line_ids=line_ids(shipped), reference=("fulfillment.shipment", "7"), actor=SYSTEM
    )
    assert_ledger(variant, on_hand=14, reserved=0)

    # then: the ledger, oldest first, tells the story
    ledger = list(
        Movement.objects.filter(variant=variant)
        .order_by("id")
        .values_list("kind", "quantity", "balance_after", "reason")
    )
    assert ledger == [
        ("receipt", 20, 20, ""),
        ("adjustment", -2, 18, "damaged"),
        ("return", 1, 19, ""),
        ("count", -2, 17, "annual count"),
        ("sale", -3, 14, ""),
    ]
    assert released == 4
    assert (sale.reference_type, sale.reference_id) == ("fulfillment.shipment", "7")
    statuses = Reservation.objects.filter(stock__variant=variant).values_list("status", flat=True)
    assert sorted(statuses) == ["consumed", "released"]


def test_a_count_that_matches_writes_nothing(stocked):
    # given
    before = Movement.objects.count()

    # when
    movement = stock_count(variant=stocked, counted=20, actor=SYSTEM)

    # then
    assert movement is None
    assert Movement.objects.count() == before


def test_releasing_or_consuming_twice_acts_once(stocked):
    # given
    order = place(("LEDG-1", 5))

    # when
    first = stock_release(order_line_ids=line_ids(order), actor=SYSTEM)
    second = stock_release(order_line_ids=line_ids(order), actor=SYSTEM)
    consumed = stock_consume(order_line_ids=line_ids(order), reference=("x", "1"), actor=SYSTEM)

    # then
    assert (first, second, consumed) == (5, 0, [])
    assert_ledger(stocked, on_hand=20, reserved=0)


def test_a_corrupted_on_hand_is_reported(stocked):
    # given: someone changed the row behind the services' back
    StockLevel.objects.filter(variant=stocked).update(on_hand=F("on_hand") + 3)

    # when
    mismatches = ledger_mismatches()

    # then
    assert len(mismatches) == 1
    assert mismatches[0].startswith("LEDG-1@")
    assert "on hand 23 vs ledger 20" in mismatches[0]


def test_a_corrupted_reserved_is_reported(stocked):
    # given
    place(("LEDG-1", 2))
    StockLevel.objects.filter(variant=stocked).update(reserved=5)

    # when
    mismatches = ledger_mismatches()

    # then
    assert len(mismatches) == 1
    assert "reserved 5 vs reservations 2" in mismatches[0]


def test_removing_more_than_is_free_is_refused_and_changes_nothing(stocked):
    # given: 20 on hand, 6 reserved, so 14 may go
    place(("LEDG-1", 6))
    before = row_counts()

    # when
    with pytest.raises(Conflict) as refused:
        stock_change(variant=stocked, quantity=-15, kind="adjustment", reason="lost", actor=SYSTEM)

    # then
    assert (refused.value.code, refused.value.field) == ("below_reserved", "quantity")
    assert row_counts() == before
    assert_ledger(stocked, on_hand=20, reserved=6)

    # and exactly what is free may go
    stock_change(variant=stocked, quantity=-14, kind="adjustment", reason="lost", actor=SYSTEM)
    assert_ledger(stocked, on_hand=6, reserved=6)


def test_a_count_below_what_is_reserved_is_refused_naming_counted(stocked):
    # given
    place(("LEDG-1", 6))
    before = row_counts()

    # when
    with pytest.raises(Conflict) as refused:
        stock_count(variant=stocked, counted=5, actor=SYSTEM)

    # then
    assert (refused.value.code, refused.value.field) == ("below_reserved", "counted")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("quantity", "kind", "reason", "field"),
    [
        (5, "adjustment", "", "reason"),
        (5, "adjustment", "   ", "reason"),
        (-5, "count", "", "reason"),
        (-1, "receipt", "", "quantity"),
        (-1, "return", "", "quantity"),
        (0, "receipt", "", "quantity"),
        (-1, "sale", "shipped by hand", "kind"),
        (1, "gift", "", "kind"),
    ],
)
def test_bad_changes_are_refused_naming_the_field(stocked, quantity, kind, reason, field):
    # given
    before = row_counts()

    # when
    with pytest.raises(InvalidInput) as refused:
        stock_change(variant=stocked, quantity=quantity, kind=kind, reason=reason, actor=SYSTEM)

    # then
    assert refused.value.field == field
    assert row_counts() == before


def test_a_refused_reservation_holds_nothing_even_if_the_caller_carries_on(stocked):
    # given: two SKUs, the second with too little, and order lines with nothing reserved
    make_variant("LEDG-2", stock=1)
    order = place(("LEDG-1", 1), ("LEDG-2", 1))
    stock_release(order_line_ids=line_ids(order), actor=SYSTEM)
    first, second = line_ids(order)
    rows = stock_for_skus(["LEDG-1", "LEDG-2"])

    # when: a caller catches the refusal and commits its transaction anyway
    with transaction.atomic(), pytest.raises(InsufficientStock) as refused:
        stock_reserve(
            holds=[
                Hold(rows["LEDG-1"], 2, first, "lines[0].quantity"),
                Hold(rows["LEDG-2"], 2, second, "lines[1].quantity"),
            ],
            actor=SYSTEM,
        )

    # then: the short line is named, and the first SKU holds nothing
    assert refused.value.field == "lines[1].quantity"
    assert refused.value.extra == {"sku": "LEDG-2", "available": 1, "requested": 2}
    assert_ledger(stocked, on_hand=20, reserved=0)


def test_the_api_refuses_removing_more_than_is_free_with_409(client, stocked, owner_auth):
    # given
    place(("LEDG-1", 6))
    before = row_counts()

    # when
    response = client.post(
        "/api/stock/LEDG-1/adjustments",
        {"quantity": -15, "reason": "lost"},
        content_type="application/json",
        headers=owner_auth,
    )

    # then
    assert_error(response, 409, "below_reserved", "quantity")
    assert row_counts() == before


def test_the_api_wants_a_reason_for_an_adjustment(client, stocked, owner_auth):
    # given
    before = row_counts()

    # when
    response = client.post(
        "/api/stock/LEDG-1/adjustments",
        {"quantity": -1},
        content_type="application/json",
        headers=owner_auth,
    )

    # then
    assert_error(response, 422, "reason_required", "reason")
    assert row_counts() == before
