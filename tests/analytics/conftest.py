"""A small shop whose orders, payments and refunds go through the services, and the events
they emit dispatched to the real handlers (as the worker would)."""

import itertools
import math
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soloops.analytics.models import DailyFact, DayTimings, SkuDailyFact
from soloops.analytics.rollups import PACKED_HOURS, PACKED_IDS
from soloops.analytics.services.facts import _refresh_enqueue
from soloops.analytics.synthetic import intermittent_series, regular_series
from soloops.analytics.tasks import daily_facts_refresh_task
from soloops.automation.models import Event
from soloops.events.services import events_dispatch
from soloops.inventory.models import Location
from soloops.orders.models import Order, ReviewPolicy
from soloops.orders.services import order_place
from soloops.shop.selectors import shop_zone
from tests.api.conftest import caller  # noqa: F401  (the API tests' fixture)
from tests.conftest import db_worker
from tests.factories import SYSTEM, draft, make_variant
from tests.purchasing import conftest as purchasing

SKUS = ("MUG-1", "CAP-1", "TEE-1")
SUCCESS_CARD = "4242 4242 4242 4242"
_serial = itertools.count(1)


@pytest.fixture
def shop(db, settings):
    """Three SKUs with plenty of stock, a review that accepts every order, and a shop in
    Shanghai (UTC+8), so a shop day is not a UTC day."""
    settings.TIME_ZONE = "Asia/Shanghai"
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "hold_at_score": 10_000,
            "reject_at_score": 20_000,
            "max_orders_per_email": 1_000_000,
            "max_orders_per_ip": 1_000_000,
        },
    )
    cache.clear()
    for sku, price in zip(SKUS, ("12.50", "20.00", "7.25"), strict=True):
        make_variant(sku, price=price, stock=100_000)


def dispatch_pending() -> int:
    """Hand every undispatched event to its handlers, as the worker does after commit, then
    run the facts refresh the handlers enqueued on commit (the facts are current after it)."""
    ids = list(Event.objects.filter(dispatched_at__isnull=True).values_list("id", flat=True))
    if ids:
        events_dispatch(event_ids=ids)
    facts_refresh_run()
    return len(ids)


def facts_refresh_run() -> int:
    """What follows the dispatch's commit for the facts: the refresh enqueued on commit (in a
    test's one transaction the callback waits in the connection: it is run here), then every
    ready refresh task run by the real database worker's code. Returns how many days those
    tasks recomputed (their return values). Other tasks the handlers enqueued are left."""
    refresh_enqueues_run()
    worker = db_worker()
    days = 0
    ready = DBTaskResult.objects.ready().filter(task_path=daily_facts_refresh_task.module_path)
    for result in ready.order_by("enqueued_at"):
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        assert result.status == "SUCCESSFUL", result.traceback
        days += result.return_value
    return days


def refresh_enqueues_run() -> None:
    """The facts refresh enqueues waiting in this test's transaction for its commit, run."""
    pending = [entry for entry in connection.run_on_commit if entry[1] is _refresh_enqueue]
    for entry in pending:
        connection.run_on_commit.remove(entry)
        entry[1]()


def place(lines, email: str | None = None, days_ago: float | None = None) -> Order:
    """An order through intake; ``days_ago``: moved into the past before its events are
    dispatched, as an import of order history writes it (placed long ago, recorded now)."""
    order, _ = order_place(
        draft=draft(*lines, email=email or f"buyer{next(_serial)}@example.com"),
        channel="import" if days_ago else "api",
        actor=SYSTEM,
    )
    if days_ago:
        Order.objects.filter(pk=order.pk).update(
            placed_at=order.placed_at - timedelta(days=days_ago)
        )
        order.refresh_from_db()
    return order


def facts_snapshot() -> dict:
    """Both tables as plain data, by their keys."""
    skip = {"id", "created_at", "updated_at"}
    return {
        "days": {
            row["day"]: {k: v for k, v in row.items() if k not in skip}
            for row in DailyFact.objects.values()
        },
        "skus": {
            (row["day"], row["sku"]): {k: v for k, v in row.items() if k not in skip}
            for row in SkuDailyFact.objects.values()
        },
        "timings": timings_snapshot(),
    }


def timings_snapshot() -> list[tuple]:
    """(order id, day, hours to shipping, to delivery) of every counted order, unpacked from
    the rows of days (None: not reached yet)."""
    out = []
    for row in DayTimings.objects.all():
        ids = np.frombuffer(bytes(row.order_ids), dtype=PACKED_IDS).tolist()
        ship = np.frombuffer(bytes(row.ship_hours), dtype=PACKED_HOURS).tolist()
        deliver = np.frombuffer(bytes(row.deliver_hours), dtype=PACKED_HOURS).tolist()
        for order_id, s, d in zip(ids, ship, deliver, strict=True):
            out.append((order_id, row.day, None if math.isnan(s) else s,
                        None if math.isnan(d) else d))  # fmt: skip
    return sorted(out)


def money(text: str) -> Decimal:
    return Decimal(text)


HISTORY_DAYS = 120


@pytest.fixture
def history(db):
    """Two SKUs a supplier (lead time 5 days) sells: MUG-1 sells every day with a weekly
    rhythm, CAP-1 now and then; 120 days of their daily facts up to yesterday."""
    supplier = purchasing.make_supplier("Mug Maker", lead_time_days=5)
    mug, cap = purchasing.sku("MUG-1", stock=50), purchasing.sku("CAP-1", stock=5)
    purchasing.sells(supplier, mug)
    purchasing.sells(supplier, cap)
    yesterday = timezone.localtime(timezone.now(), shop_zone()).date() - timedelta(days=1)
    first = yesterday - timedelta(days=HISTORY_DAYS - 1)
    mugs = regular_series(HISTORY_DAYS, level=12, seed=7)
    caps = intermittent_series(HISTORY_DAYS, rate=0.1, seed=7)
    DailyFact.objects.bulk_create(
        DailyFact(day=first + timedelta(days=i), units=int(mugs[i] + caps[i]))
        for i in range(HISTORY_DAYS)
    )
    SkuDailyFact.objects.bulk_create(
        SkuDailyFact(day=first + timedelta(days=i), sku=code, units=int(units), orders=1)
        for code, series in (("MUG-1", mugs), ("CAP-1", caps))
        for i, units in enumerate(series)
        if units
    )
    return mug
