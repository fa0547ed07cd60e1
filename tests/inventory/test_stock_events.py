"""stock.low once per downward crossing of the SKU's threshold, stock.out when nothing is left."""

from soloops.inventory.selectors import stock_for_skus
from soloops.inventory.services import Hold, stock_change, stock_count, stock_release, stock_reserve
from tests.factories import make_variant
from tests.inventory.conftest import SYSTEM, available, events, place


def test_stock_low_is_emitted_once_per_downward_crossing(default_location, accepting_policy):
    # given: threshold 5, seven in stock
    variant = make_variant("LOW-1", stock=7, low_stock_threshold=5)

    # when: 7 → 6 → 5 (at the threshold is not below it)
    place(("LOW-1", 1))
    place(("LOW-1", 1))
    # then
    assert events("stock.low") == []

    # when: 5 → 4 crosses it
    place(("LOW-1", 1))
    # then
    [low] = events("stock.low")
    assert low.payload["sku"] == "LOW-1"
    assert (low.payload["available"], low.payload["threshold"]) == (4, 5)
    assert (low.subject_type, low.subject_id) == ("catalog.variant", str(variant.pk))

    # when: later orders stay below it
    place(("LOW-1", 1))
    place(("LOW-1", 2))
    # then
    assert len(events("stock.low")) == 1
    assert available(variant) == 1

    # when: restocked above the threshold (no event going up), then crossing again
    stock_change(variant=variant, quantity=10, kind="receipt", actor=SYSTEM)
    assert len(events("stock.low")) == 1
    place(("LOW-1", 7))  # 11 → 4
    # then
    lows = events("stock.low")
    assert [e.payload["available"] for e in lows] == [4, 4]


def test_stock_out_is_emitted_when_available_reaches_zero(default_location, accepting_policy):
    # given
    variant = make_variant("OUT-1", stock=3, low_stock_threshold=1)

    # when
    place(("OUT-1", 2))  # 3 → 1
    place(("OUT-1", 1))  # 1 → 0
    # then
    [out] = events("stock.out")
    assert out.payload["available"] == 0
    assert len(events("stock.low")) == 1  # 1 → 0 also crossed the threshold of 1

    # when: restocked a little and sold out again
    stock_change(variant=variant, quantity=2, kind="receipt", actor=SYSTEM)
    place(("OUT-1", 2))
    # then
    assert len(events("stock.out")) == 2


def test_a_downward_adjustment_or_count_crosses_like_a_sale(default_location):
    # given
    damaged = make_variant("ADJ-1", stock=10, low_stock_threshold=5)
    counted = make_variant("CNT-1", stock=10, low_stock_threshold=5)

    # when
    stock_change(variant=damaged, quantity=-6, kind="adjustment", reason="flood", actor=SYSTEM)
    stock_count(variant=counted, counted=0, reason="shelf empty", actor=SYSTEM)

    # then
    assert [e.payload["sku"] for e in events("stock.low")] == ["ADJ-1", "CNT-1"]
    assert [e.payload["sku"] for e in events("stock.out")] == ["CNT-1"]
    assert [e.payload["quantity"] for e in events("stock.adjusted")] == [-6, -10]


def test_stock_low_is_judged_on_the_stock_as_it_was_just_before_the_change(
    default_location, accepting_policy
):
    # given: a stock row read while 6 were available (as intake reads it, before locking)
    variant = make_variant("STALE-1", stock=6, low_stock_threshold=5)
    read_early = stock_for_skus(["STALE-1"])["STALE-1"]
    place(("STALE-1", 2))  # 6 → 4: this is the crossing
    spare = place(("STALE-1", 1))  # 4 → 3, then given back: 4
    stock_release(order_line_ids=[spare.lines.get().pk], actor=SYSTEM)
    assert len(events("stock.low")) == 1

    # when: a reservation made with the early read takes 4 → 3
    stock_reserve(
        holds=[Hold(read_early, 1, spare.lines.get().pk, "lines[0].quantity")], actor=SYSTEM
    )

    # then: still below, so no second stock.low
    assert available(variant) == 3
    assert len(events("stock.low")) == 1
