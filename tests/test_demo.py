"""The demo shop: consistent with what the services would have written, every status, history
that is never dispatched, seasonality, once only, the same shop for the same seed."""

from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import connection
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from soloops.automation.models import Event
from soloops.catalog.models import Product, Supplier, SupplierItem, Variant
from soloops.cli import main
from soloops.customers.models import Customer
from soloops.demo import demo_load
from soloops.demo.plan import plan_demo
from soloops.demo.prices import PRICED
from soloops.inventory.models import Movement, MovementKind, Reservation, StockLevel
from soloops.inventory.selectors import ledger_mismatches
from soloops.orders.models import Order, OrderLine, OrderStatus
from soloops.orders.states import HOLDS_STOCK, can_move

NOW = datetime(2026, 6, 17, 15, 40, tzinfo=UTC)  # a Wednesday afternoon
ORDERS = 300
SHIPPED = {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}


@pytest.fixture
def demo(db):
    result = demo_load(orders=ORDERS, seed=7, now=NOW, progress=None)
    assert result.loaded
    return result


def _order_events() -> dict[int, list[Event]]:
    events = defaultdict(list)
    for e in Event.objects.filter(subject_type="orders.order").order_by("id"):
        events[int(e.subject_id)].append(e)
    return events


def test_a_small_demo_has_a_shop_with_suppliers_customers_and_the_orders_asked_for(demo):
    # then
    assert Order.objects.count() == ORDERS
    assert Product.objects.count() >= 24
    assert Variant.objects.count() > Product.objects.count()
    assert Supplier.objects.count() == 3
    assert SupplierItem.objects.filter(unit_cost__gt=0).count() >= Variant.objects.count()
    assert 100 <= Customer.objects.count() <= ORDERS
    assert Customer.objects.filter(language="zh-hans").exists()
    assert Customer.objects.exclude(email__endswith=".example").count() == 0
    countries = {c.shipping_address["country"] for c in Customer.objects.all()}
    assert {"DE", "CN", "FR"} <= countries
    assert all(o.lines.exists() for o in Order.objects.all())
    # totals add up from the lines
    for order in Order.objects.prefetch_related("lines"):
        assert order.subtotal == sum(line.line_total for line in order.lines.all())
        assert order.total == order.subtotal + order.shipping + order.tax


def test_stock_matches_the_ledger_and_never_went_below_zero(demo):
    # then: the invariant soloops check watches
    assert ledger_mismatches() == []
    for stock in StockLevel.objects.all():
        assert stock.on_hand >= stock.reserved >= 0
    # and each movement's balance is the running sum of the ledger in id (time) order
    balance = defaultdict(int)
    previous_at = {}
    for m in Movement.objects.order_by("id"):
        balance[m.variant_id] += m.quantity
        assert m.balance_after == balance[m.variant_id] >= 0
        assert m.created_at >= previous_at.get(m.variant_id, m.created_at)
        previous_at[m.variant_id] = m.created_at
    first_order = Order.objects.order_by("placed_at").first()
    first_receipt = Movement.objects.order_by("id").first()
    assert first_receipt.kind == MovementKind.RECEIPT
    assert first_receipt.created_at < first_order.placed_at


def test_orders_hold_sell_or_gave_back_their_stock_by_status(demo):
    sales = Counter()
    for m in Movement.objects.filter(kind=MovementKind.SALE):
        assert m.reference_type == "orders.order"
        sales[(int(m.reference_id), m.variant_id)] -= m.quantity
    for order in Order.objects.prefetch_related("lines__reservations"):
        for line in order.lines.all():
            statuses = {r.status for r in line.reservations.all()}
            if order.status in SHIPPED:
                assert statuses == {"consumed"}
                assert sales[(order.pk, line.variant_id)] == line.quantity
            elif order.status in HOLDS_STOCK:
                assert statuses == {"active"}
            else:  # cancelled, or rejected by the owner (released) or at intake (never held)
                assert statuses <= {"released"}
            if order.status not in SHIPPED:
                assert (order.pk, line.variant_id) not in sales
    active = Reservation.objects.filter(status="active").aggregate(n=Sum("quantity"))["n"]
    assert StockLevel.objects.aggregate(n=Sum("reserved"))["n"] == active


def test_every_status_is_there(demo):
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)


def test_every_order_has_its_events_one_per_transition_as_history(demo):
    events = _order_events()
    for order in Order.objects.all():
        # given its events, oldest first
        mine = events[order.pk]
        types = [e.type for e in mine]
        # then it was placed, then moved only along the state machine to where it is now
        assert types[0] == "order.placed"
        path = [OrderStatus.PLACED, *(t.removeprefix("order.") for t in types[1:])]
        assert all(can_move(a, b) for a, b in pairwise(path)), path
        assert path[-1] == order.status
        assert mine[0].created_at == order.placed_at
        assert [e.created_at for e in mine] == sorted(e.created_at for e in mine)
        at = {e.type: e.created_at for e in mine}
        assert order.accepted_at == at.get("order.accepted")
        assert order.shipped_at == at.get("order.shipped")
        assert order.completed_at == at.get("order.completed")
        assert order.cancelled_at == at.get("order.cancelled")
        assert order.updated_at == mine[-1].created_at
        if len(mine) > 1 and mine[1].created_at == order.placed_at:  # decided at intake
            assert mine[1].payload["review"] == order.review
            assert mine[1].correlation_id == mine[0].correlation_id
    # and every event is history: by the demo, already dispatched, never handed to a worker
    assert not Event.objects.exclude(actor_label="demo").exists()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert not DBTaskResult.objects.exists()


def test_the_best_sellers_price_changes_are_recorded_as_the_catalog_records_them(demo):
    # given each SKU's catalog events, oldest first
    events = defaultdict(list)
    for e in Event.objects.filter(subject_type="catalog.variant").order_by("id"):
        events[int(e.subject_id)].append(e)
    repriced = 0
    for variant in Variant.objects.all():
        mine = [e for e in events[variant.pk] if e.type.startswith("variant.")]
        assert mine[0].type == "variant.created"
        changes = mine[1:]
        assert all(e.type == "variant.updated" and set(e.payload) == {"price"} for e in changes)
        # then the price it had at any moment is its creation's price with the changes up to
        # then: each line was sold at the price its SKU had when the order was placed ...
        history = [(e.created_at, Decimal(e.payload["price"])) for e in mine]
        assert [at for at, _p in history] == sorted(at for at, _p in history)
        for line in OrderLine.objects.filter(variant=variant).select_related("order"):
            placed = line.order.placed_at
            assert line.unit_price == [p for at, p in history if at <= placed][-1], line.sku
        # ... and the last change left today's catalog price, when it was last updated
        assert history[-1][1] == variant.price
        if changes:
            repriced += 1
            assert variant.updated_at == changes[-1].created_at
            assert all(a[1] != b[1] for a, b in pairwise(history))  # each one a change
    # the best sellers had promotions and an earlier price (prices.PRICED of them)
    assert repriced == PRICED
    # and the changes are history like the rest: already dispatched, never handed to a worker
    updated = Event.objects.filter(type="variant.updated")
    assert updated.count() >= PRICED * 3
    assert not updated.filter(dispatched_at__isnull=True).exists()


def test_review_results_are_recorded_with_their_reasons(demo):
    reviewed = Order.objects.exclude(status=OrderStatus.PLACED)
    assert all(o.review_outcome and "reasons" in o.review for o in reviewed)
    held = Order.objects.filter(review_outcome="hold")
    assert held.exists()
    assert all(o.review["reasons"] and o.risk_score >= 40 for o in held)
    assert Order.objects.get(status=OrderStatus.PLACED).review == {}


def test_orders_are_busier_at_weekends_than_on_weekdays(demo):
    # given the orders of the past year by day of the week
    by_weekday = Counter(o.placed_at.weekday() for o in Order.objects.all())
    # then a weekend day has more than an average weekday
    weekend = (by_weekday[5] + by_weekday[6]) / 2
    weekday = sum(by_weekday[d] for d in range(5)) / 5
    assert weekend > weekday * 1.2
    # and the orders span the year up to now
    first, last = Order.objects.order_by("placed_at")[:: ORDERS - 1]
    assert (NOW - first.placed_at).days > 330
    assert last.placed_at <= NOW


def test_a_second_run_adds_nothing(demo):
    # given the counts after the first run
    counts = [m.objects.count() for m in (Order, OrderLine, Event, Movement, Customer, Variant)]
    # when it runs again, with another seed even
    again = demo_load(orders=50, seed=8, now=NOW, progress=None)
    # then nothing changed
    assert not again.loaded
    assert [m.objects.count() for m in (Order, OrderLine, Event, Movement, Customer, Variant)] == (
        counts
    )


def test_the_same_seed_plans_the_same_shop():
    def shape(seed):
        plan = plan_demo(orders=120, seed=seed, now=NOW)
        return [(o.number, o.customer.email, o.placed_at, o.status, o.lines) for o in plan.orders]

    assert shape(3) == shape(3)
    assert shape(3) != shape(4)


def test_demo_data_command_loads_once(db, capsys):
    # when
    assert main(["demo-data", "--orders", "40", "--seed", "2"]) == 0
    assert main(["demo-data", "--orders", "40"]) == 0
    # then
    out = capsys.readouterr().out
    assert "40 orders" in out
    assert "demo data not loaded" in out
    assert "products bought together counted from" in out  # recommendations work at once
    assert Order.objects.count() == 40
    with pytest.raises(SystemExit):
        main(["demo-data", "--orders", "-1"])
    assert "0 or more" in capsys.readouterr().err


def test_a_demo_loaded_into_postgresql_leaves_the_planner_its_statistics(demo):
    if connection.vendor != "postgresql":
        pytest.skip("the demo analyzes its tables on PostgreSQL only")
    # ANALYZE ran in the load's transaction: it counted the uncommitted orders, which no
    # autovacuum run could have seen
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'orders_order'")
        (counted,) = cursor.fetchone()
    assert counted == ORDERS
