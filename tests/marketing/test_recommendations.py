"""Recommendations from real orders: bought together, also bought, the popularity fallback,
and the exclusions (owned, inactive, out of stock)."""

from soloops.actions import ActionCall
from soloops.catalog.services import variant_update
from soloops.inventory.models import MovementKind
from soloops.inventory.selectors import stock_for_skus
from soloops.inventory.services import stock_change
from soloops.marketing.selectors import (
    Recommendation,
    bought_together,
    recommendations_for_customer,
)
from soloops.marketing.services import recommendations_count_order, recommendations_recompute
from tests.marketing.conftest import SYSTEM, place


def _history():
    """Drippers sell with filters; tea with teapots; mugs with everything, alone too."""
    for n in range(6):
        place(f"coffee{n}@example.com", "DRIP", "FILTER")
    for n in range(3):
        place(f"tea{n}@example.com", "TEA", "POT")
    for n in range(8):
        place(f"mug{n}@example.com", "MUG")
    place("both@example.com", "DRIP", "MUG")


def test_bought_together_puts_the_companion_first(shop):
    # given
    _history()
    recommendations_recompute(actor=SYSTEM)

    # when
    found = bought_together(shop["DRIP"].pk)

    # then
    assert isinstance(found[0], Recommendation)
    assert (found[0].sku, found[0].reason) == ("FILTER", "bought_together")
    assert found[0].name == "Product FILTER" and str(found[0].price) == "10.00"
    assert "DRIP" not in [r.sku for r in found]
    assert all(r.reason == "popular" for r in found[1:])
    assert found[0].score > max(r.score for r in found[1:])


def test_a_customer_gets_what_goes_with_what_they_have_and_never_what_they_own(shop):
    # given: a tea customer who also has a mug
    _history()
    customer = place("tea-and-mug@example.com", "TEA", "MUG").customer
    recommendations_recompute(actor=SYSTEM)

    # when
    found = recommendations_for_customer(customer.pk, limit=3)

    # then
    skus = [r.sku for r in found]
    assert skus[0] == "POT" and found[0].reason == "bought_together"
    assert not {"TEA", "MUG"} & set(skus)
    assert len(found) == 3


def test_without_any_run_everything_is_popular(shop):
    # given: orders but no nightly count yet
    _history()
    customer = place("new@example.com", "TEA").customer

    # when
    found = recommendations_for_customer(customer.pk, limit=4)

    # then: no counts, no suggestions (the popularity comes from the counts too)
    assert found == []

    # and after the first run, a customer with nothing in common gets the best sellers
    recommendations_recompute(actor=SYSTEM)
    lonely = place("lonely@example.com", "KETTLE").customer
    found = recommendations_for_customer(lonely.pk, limit=2)
    assert [(r.sku, r.reason) for r in found] == [("MUG", "popular"), ("DRIP", "popular")]


def test_inactive_and_out_of_stock_skus_are_never_suggested(shop):
    # given
    _history()
    recommendations_recompute(actor=SYSTEM)
    variant_update(variant=shop["FILTER"], active=False, actor=SYSTEM)
    mugs = stock_for_skus(["MUG"])["MUG"]
    sold_out = -(mugs.on_hand - mugs.reserved)
    stock_change(
        variant=shop["MUG"],
        quantity=sold_out,
        kind=MovementKind.ADJUSTMENT,
        actor=SYSTEM,
        reason="sold out",
    )

    # when
    skus = [r.sku for r in bought_together(shop["DRIP"].pk, limit=6)]

    # then
    assert "FILTER" not in skus and "MUG" not in skus and "DRIP" not in skus
    assert skus  # the rest still fill the block


def test_query_count_does_not_grow_with_history(shop, django_assert_max_num_queries):
    # given: one customer with a long history
    _history()
    for _ in range(5):
        customer = place("regular@example.com", "DRIP", "FILTER", "TEA", "POT", "KETTLE").customer
    recommendations_recompute(actor=SYSTEM)

    # then
    with django_assert_max_num_queries(8):
        recommendations_for_customer(customer.pk)
    with django_assert_max_num_queries(8):
        bought_together(shop["DRIP"].pk)


def test_counting_one_new_order_takes_a_few_queries_whatever_the_history(
    shop, django_assert_max_num_queries
):
    # given: a long history for this customer, and a first count
    _history()
    for _ in range(5):
        place("regular@example.com", "DRIP", "FILTER", "TEA")
    recommendations_recompute(actor=SYSTEM)
    order = place("regular@example.com", "POT", "KETTLE", "MUG")

    # when / then
    with django_assert_max_num_queries(18):
        assert recommendations_count_order(order_id=order.pk) is True
    assert recommendations_count_order(order_id=order.pk - 1) is False  # the recount saw it


def test_the_nightly_flow_runs_the_recount_through_its_action(shop):
    # given
    from soloops.automation.flows.actions import available

    _history()
    action = available()["recommendations.recompute"]

    # when
    result = action.run(action.parse({}), ActionCall(idempotency_key="k", actor=SYSTEM))

    # then: two pairs (dripper-filters, tea-teapot) of each kind, both ways round
    assert result == {"orders": 18, "customers": 18, "pairs": 8}
    assert bought_together(shop["TEA"].pk, limit=1)[0].sku == "POT"
