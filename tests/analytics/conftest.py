"""A small shop whose orders, payments and refunds go through the services, and the events
they emit dispatched to the real handlers (as the worker would)."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from soloops.analytics.models import DailyFact, SkuDailyFact
from soloops.automation.models import Event
from soloops.events.services import events_dispatch
from soloops.inventory.models import Location
from soloops.orders.models import Order, ReviewPolicy
from soloops.orders.services import order_place
from tests.api.conftest import caller  # noqa: F401  (the API tests' fixture)
from tests.factories import SYSTEM, draft, make_variant

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
    """Hand every undispatched event to its handlers, as the worker does after commit."""
    ids = list(Event.objects.filter(dispatched_at__isnull=True).values_list("id", flat=True))
    if ids:
        events_dispatch(event_ids=ids)
    return len(ids)


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
    }


def money(text: str) -> Decimal:
    return Decimal(text)
