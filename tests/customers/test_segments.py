"""RFM segments on fixed data, their changes as events (nightly and after an order, through
the real worker), and saved segments as filters usable by flows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from soloops.automation.models import Event
from soloops.customers.models import Customer
from soloops.customers.segments import score, segment_for
from soloops.customers.selectors import customer_segments, segment_members
from soloops.customers.services import (
    customer_create,
    customer_segments_recompute,
    customer_tag,
    segment_save,
)
from soloops.errors import InvalidInput
from soloops.orders.selectors import order_context
from tests.customers.conftest import SYSTEM, place

NOW = timezone.now()


def buyer(email: str, *, days: int, orders: int, spent: str) -> Customer:
    """A customer with a fixed history (the totals the orders app would report)."""
    customer = customer_create(email=email, actor=SYSTEM)
    Customer.objects.filter(pk=customer.pk).update(
        orders_count=orders,
        total_spent=Decimal(spent),
        first_order_at=NOW - timedelta(days=days + 30 * (orders - 1)),
        last_order_at=NOW - timedelta(days=days),
    )
    return customer


@pytest.fixture
def history(db):
    """Twenty ordinary one-order buyers spread over a year, and four telling ones."""
    for i in range(20):
        buyer(f"plain{i}@example.com", days=10 + 18 * i, orders=1, spent=str(20 + i))
    return {
        "champion": buyer("champ@example.com", days=2, orders=9, spent="900"),
        "fresh": buyer("fresh@example.com", days=1, orders=1, spent="25"),
        "gone_best": buyer("gonebest@example.com", days=400, orders=8, spent="800"),
        "gone_small": buyer("gonesmall@example.com", days=420, orders=1, spent="5"),
    }


def segment(customer) -> str:
    customer.refresh_from_db()
    return customer.segment


def changes() -> list[dict]:
    return list(
        Event.objects.filter(type="customer.segment_changed")
        .order_by("id")
        .values_list("payload", flat=True)
    )


def test_scores_are_quintiles_with_ties_kept_together():
    values = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3]
    from soloops.customers.segments import _quintile_cuts

    cuts = _quintile_cuts(values)
    assert [score(v, cuts) for v in (1, 2, 3)] == [1, 4, 5]
    assert segment_for(5, 5, 5, 9) == "champions"
    assert segment_for(5, 1, 2, 1) == "new"
    assert segment_for(1, 5, 5, 8) == "cant_lose"
    assert segment_for(2, 4, 3, 4) == "at_risk"
    assert segment_for(2, 1, 2, 1) == "hibernating"
    assert segment_for(1, 1, 1, 1) == "lost"


def test_named_segments_on_fixed_data_and_a_quiet_first_run(history):
    # when the nightly recompute runs for the first time
    result = customer_segments_recompute(actor=SYSTEM, now=NOW)

    # then each telling customer is where an owner would put them, and no event flood
    assert result["buyers"] == 24
    assert segment(history["champion"]) == "champions"
    assert segment(history["fresh"]) == "new"
    assert segment(history["gone_best"]) == "cant_lose"
    assert segment(history["gone_small"]) == "lost"
    assert changes() == []


def test_a_champion_gone_quiet_becomes_at_risk_with_one_event(history):
    customer_segments_recompute(actor=SYSTEM, now=NOW)

    # when 200 days pass in which everyone else ordered again but the champion did not
    later = NOW + timedelta(days=200)
    for i, plain in enumerate(Customer.objects.filter(email__startswith="plain")):
        Customer.objects.filter(pk=plain.pk).update(last_order_at=later - timedelta(days=i))
    customer_segments_recompute(actor=SYSTEM, now=later)

    # then the champion moved, and the move is an event a flow can start from
    moved = {c["email"]: (c["from"], c["to"]) for c in changes()}
    assert moved["champ@example.com"][0] == "champions"
    assert moved["champ@example.com"][1] in {"at_risk", "cant_lose"}
    # a run with nothing new announces nothing more
    before = len(changes())
    customer_segments_recompute(actor=SYSTEM, now=later)
    assert len(changes()) == before


def test_an_order_moves_its_customer_at_once_through_the_worker(transactional_db, shop, run_tasks):
    # given a customer who ordered long ago (after the nightly baseline)
    for i in range(20):
        buyer(f"plain{i}@example.com", days=10 + 18 * i, orders=1, spent=str(20 + i))
    place("old@example.com")
    run_tasks()
    old = Customer.objects.get(email="old@example.com")
    Customer.objects.filter(pk=old.pk).update(last_order_at=NOW - timedelta(days=500))
    customer_segments_recompute(actor=SYSTEM, now=NOW)
    assert segment(old) == "lost"

    # when they order again and the worker runs the handlers
    place("old@example.com", ("TEA-1", 4))
    run_tasks()

    # then their segment changed at once, with its event
    assert segment(old) in {"loyal", "potential_loyalists", "champions"}
    *_first_order, change = [c for c in changes() if c["email"] == "old@example.com"]
    assert change["from"] == "lost" and change["recency"] == 5


def test_saved_segments_filter_customers_and_name_a_bad_rule(shop):
    place("ada@example.com", ("MUG-1", 20))  # 250.00
    place("bob@example.com", ("TEA-1", 1))
    from soloops.customers.services import customer_stats_refresh

    customer_stats_refresh()
    ada = Customer.objects.get(email="ada@example.com")
    customer_tag(customer=ada, tag="vip", actor=SYSTEM)

    big, created = segment_save(
        key="big-mug-buyers",
        name="Big mug buyers",
        rules={"min_spent": 200, "bought_sku": "MUG-1", "country": "gb"},
        actor=SYSTEM,
    )
    segment_save(key="vip", name="VIPs", rules={"tag": "vip"}, actor=SYSTEM)

    assert created and big.rules == {"min_spent": "200.00", "bought_sku": "MUG-1", "country": "GB"}
    assert [c.email for c in segment_members(segment=big)] == ["ada@example.com"]
    assert customer_segments(customer=ada)[-2:] == ["big-mug-buyers", "vip"]
    order = ada.orders.first()
    assert "vip" in order_context(order.pk)["customer"]["segments"]
    assert segment_save(key="vip", name="VIPs", rules={"tag": "vip"}, actor=SYSTEM)[1] is False
    assert Event.objects.filter(type="segment.saved").count() == 2

    for rules, field in [
        ({"spend": 1}, "rules.spend"),
        ({"min_spent": "lots"}, "rules.min_spent"),
        ({"not_ordered_days": "90"}, "rules.not_ordered_days"),
        ({"rfm_segment": "whales"}, "rules.rfm_segment"),
        ({"min_spent": 50, "max_spent": 10}, "rules.max_spent"),
    ]:
        with pytest.raises(InvalidInput) as bad, transaction.atomic():
            segment_save(key="x", name="X", rules=rules, actor=SYSTEM)
        assert bad.value.field == field
    with pytest.raises(InvalidInput) as named, transaction.atomic():
        segment_save(key="at_risk", name="Mine", rules={}, actor=SYSTEM)
    assert named.value.field == "key"
