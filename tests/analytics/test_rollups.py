"""The daily facts: kept current by the event handlers (backdated imports included), equal to
a rebuild after any mix of orders, cancellations, payments, refunds and imports, gap-free, and
unchanged by a replayed event."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from soloops.analytics.events import facts_on_order_event
from soloops.analytics.models import DailyFact, SkuDailyFact
from soloops.analytics.services import daily_facts_rebuild
from soloops.automation.models import Event
from soloops.orders.models import Order
from soloops.orders.services import (
    order_cancel,
    order_complete,
    order_mark_delivered,
    order_mark_shipped,
    order_start_fulfilling,
)
from soloops.payments.models import Payment
from soloops.payments.services import payment_refund, payment_start
from soloops.shop.selectors import shop_zone
from tests.analytics.conftest import (
    SKUS,
    SUCCESS_CARD,
    SYSTEM,
    dispatch_pending,
    facts_refresh_run,
    facts_snapshot,
    place,
)

pytestmark = pytest.mark.usefixtures("shop")


def today():
    return timezone.localtime(timezone.now(), shop_zone()).date()


def test_an_order_and_its_refund_land_on_their_days():
    # given: two orders today, one paid, part of it refunded
    mugs = place([("MUG-1", 2)], email="ada@example.com")
    place([("CAP-1", 1), ("MUG-1", 1)], email="ada@example.com")
    payment, _ = payment_start(
        order=mugs, provider="sandbox", card_number=SUCCESS_CARD, actor=SYSTEM
    )
    payment_refund(payment=payment, amount="5.00", reason="one mug chipped", actor=SYSTEM)

    # when
    dispatch_pending()

    # then
    fact = DailyFact.objects.get(day=today())
    assert (fact.orders_placed, fact.orders_accepted, fact.orders_paid) == (2, 2, 1)
    assert fact.units == 4
    totals = sum(Order.objects.values_list("total", flat=True), Decimal(0))
    assert fact.revenue_gross == totals
    assert (fact.refunds_count, fact.refunds_amount) == (1, Decimal("5.00"))
    assert fact.revenue == totals - Decimal("5.00")
    assert fact.average_order_value == (totals / 2).quantize(Decimal("0.01"))
    assert (fact.new_customers, fact.returning_customers) == (1, 1)
    mug = SkuDailyFact.objects.get(day=today(), sku="MUG-1")
    assert (mug.orders, mug.units) == (2, 3)


def test_a_backdated_import_lands_on_its_own_day_and_fills_the_days_between():
    # given: an order today from a customer
    place([("MUG-1", 1)], email="ada@example.com")
    dispatch_pending()
    assert DailyFact.objects.get(day=today()).new_customers == 1

    # when: her order of 10 days ago is imported
    old = place([("TEE-1", 3)], email="ada@example.com", days_ago=10)
    dispatch_pending()

    # then: it counts on its day, today's order is now a returning customer's, and every day
    # between exists with zeros
    old_day = timezone.localtime(old.placed_at, shop_zone()).date()
    days = list(DailyFact.objects.order_by("day").values_list("day", "orders_placed"))
    assert days[0] == (old_day, 1)
    assert [d for d, _ in days] == [old_day + timedelta(days=i) for i in range(len(days))]
    assert days[-1][0] == today()
    assert sum(n for _, n in days) == 2
    assert DailyFact.objects.get(day=today()).returning_customers == 1
    assert SkuDailyFact.objects.get(day=old_day, sku="TEE-1").units == 3


def test_a_replayed_event_changes_nothing():
    # given
    order = place([("MUG-1", 2)])
    order_cancel(order=order, actor=SYSTEM, reason="customer asked")
    dispatch_pending()
    before = facts_snapshot()

    # when: every order event is handed to the handler again, and the refresh it asked for runs
    for event in Event.objects.filter(type__startswith="order."):
        facts_on_order_event(event)
    recomputed = facts_refresh_run()

    # then: the day was recomputed, to the same rows
    assert recomputed == 1
    assert facts_snapshot() == before
    assert DailyFact.objects.get(day=today()).orders_cancelled == 1


def _random_step(rng: random.Random, customers: list[str]) -> None:
    """One step of a shop's life: an order (now or imported from the past), a cancellation,
    a payment, a refund, or an order shipped through to completed."""
    accepted = list(Order.objects.filter(status="accepted").order_by("id"))
    paid = list(Order.objects.filter(status="paid").order_by("id"))
    captured = list(Payment.objects.filter(status__in=["captured", "partially_refunded"]))
    step = rng.choice(["order", "order", "import", "cancel", "pay", "refund", "finish"])
    lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(SKUS, rng.randint(1, 2))]
    email = rng.choice(customers)
    if step == "order" or (step in ("cancel", "pay") and not accepted):
        place(lines, email=email)
    elif step == "import":
        place(lines, email=email, days_ago=rng.uniform(1, 40))
    elif step == "cancel":
        order_cancel(order=rng.choice(accepted), actor=SYSTEM, reason="customer asked")
    elif step == "pay":
        payment_start(
            order=rng.choice(accepted), provider="sandbox", card_number=SUCCESS_CARD, actor=SYSTEM
        )
    elif step == "refund" and captured:
        payment = rng.choice(captured)
        left = payment.amount - payment.amount_refunded
        if left >= Decimal("1.00"):
            payment_refund(payment=payment, amount="1.00", reason="goodwill", actor=SYSTEM)
    elif step == "finish" and paid:
        order = rng.choice(paid)
        for move in (order_start_fulfilling, order_mark_shipped, order_mark_delivered):
            order = move(order=order, actor=SYSTEM)
        order_complete(order=order, actor=SYSTEM)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_facts_equal_a_rebuild_after_a_random_mix(seed):
    # given: a random mix of orders, imports, cancellations, payments, refunds, completions,
    # each step's events dispatched to the handlers as the worker would
    rng = random.Random(seed)
    customers = [f"c{i}@example.com" for i in range(5)]
    for _ in range(30):
        _random_step(rng, customers)
        dispatch_pending()
    incremental = facts_snapshot()
    assert (
        sum(day["orders_placed"] for day in incremental["days"].values()) == Order.objects.count()
    )

    # when
    daily_facts_rebuild()

    # then: the same rows, and gap-free from the first order's day to today
    assert facts_snapshot() == incremental
    days = sorted(incremental["days"])
    assert days == [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    assert days[-1] == today()


def test_rebuild_since_a_day_keeps_the_days_before():
    # given
    place([("MUG-1", 1)], days_ago=5)
    place([("MUG-1", 2)])
    dispatch_pending()
    before = facts_snapshot()
    DailyFact.objects.filter(day=today()).update(units=999)  # drifted

    # when
    days = daily_facts_rebuild(since=today())

    # then
    assert days == 1
    assert facts_snapshot() == before
