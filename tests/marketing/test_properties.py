"""Whatever the history and the catalogue's state, a recommendation is never something the
customer bought, never an inactive or sold-out SKU, never the product itself, never twice."""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soloops.catalog.services import variant_update
from soloops.inventory.models import MovementKind
from soloops.inventory.selectors import stock_for_skus
from soloops.inventory.services import stock_change
from soloops.marketing.selectors import bought_together, recommendations_for_customer
from soloops.marketing.services import recommendations_count_order, recommendations_recompute
from tests.marketing.conftest import SKUS, SYSTEM, place

basket = st.sets(st.sampled_from(SKUS), min_size=1, max_size=4)
histories = st.lists(st.lists(basket, min_size=1, max_size=3), min_size=1, max_size=4)
states = st.fixed_dictionaries(
    {sku: st.sampled_from(["on sale", "inactive", "sold out"]) for sku in SKUS}
)


class Rollback(Exception):
    pass


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=histories, states=states, late=st.integers(min_value=0, max_value=3))
def test_never_owned_inactive_sold_out_or_repeated(shop, histories, states, late):
    try:
        with transaction.atomic():
            _check(shop, histories, states, late)
            raise Rollback
    except Rollback:
        pass


def _check(shop, histories, states, late):
    # given: the history, the nightly count before the last ``late`` orders (counted one by
    # one as their events would), then SKUs switched off or sold out
    orders = []
    for n, customer_orders in enumerate(histories):
        for skus in customer_orders:
            orders.append((f"c{n}@example.com", sorted(skus)))
    placed = [place(email, *skus) for email, skus in orders[: len(orders) - late]]
    recommendations_recompute(actor=SYSTEM)
    for email, skus in orders[len(orders) - late :]:
        order = place(email, *skus)
        recommendations_count_order(order_id=order.pk)
        placed.append(order)
    for sku, state in states.items():
        if state == "inactive":
            variant_update(variant=shop[sku], active=False, actor=SYSTEM)
        elif state == "sold out":
            row = stock_for_skus([sku])[sku]
            stock_change(
                variant=shop[sku],
                quantity=-(row.on_hand - row.reserved),
                kind=MovementKind.ADJUSTMENT,
                reason="sold out",
                actor=SYSTEM,
            )
    off = {shop[sku].pk for sku, state in states.items() if state != "on sale"}
    on_sale = len(SKUS) - len(off)

    # then
    owned: dict[int, set[int]] = {}
    for order in placed:
        owned.setdefault(order.customer_id, set()).update(
            order.lines.values_list("variant_id", flat=True)
        )
    sold = set().union(*owned.values())
    for customer_id, has in owned.items():
        found = [r.variant_id for r in recommendations_for_customer(customer_id, limit=6)]
        assert not set(found) & has, "suggested something the customer bought"
        assert not set(found) & off, "suggested an inactive or sold-out SKU"
        assert len(found) == len(set(found))
        # and the popularity fallback fills the rest: everything sold to anyone that is on
        # sale and that they do not have (6 SKUs: the limit never cuts)
        assert set(found) == sold - off - has
    for sku in SKUS:
        found = [r.variant_id for r in bought_together(shop[sku].pk, limit=6)]
        assert shop[sku].pk not in found
        assert not set(found) & off
        assert len(found) == len(set(found)) <= on_sale
