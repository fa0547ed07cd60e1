"""Stock helpers: the default location, a review policy that accepts, orders that reserve."""

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection, connections

from soloops.accounts.actors import Actor
from soloops.automation.models import Event
from soloops.inventory.models import StockLevel
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from tests.catalog.conftest import default_location, owner_auth, reader_auth  # noqa: F401
from tests.factories import draft

SYSTEM = Actor.system("test")
_emails = itertools.count(1)


@pytest.fixture
def accepting_policy(db) -> ReviewPolicy:
    """Review accepts every order: no velocity, first-order or mismatch rule can hold one."""
    policy, _ = ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "max_quantity_per_line": 10_000,
            "max_orders_per_email": 1_000_000,
            "max_orders_per_ip": 1_000_000,
            "hold_at_score": 1_000,
            "reject_at_score": 1_000,
        },
    )
    cache.clear()  # intake caches the policy
    yield policy
    cache.clear()


def place(*lines: tuple[str, int], email: str | None = None):
    """Place an order through intake (which reserves its stock); returns the order."""
    email = email or f"buyer{next(_emails)}@example.com"
    order, _ = order_place(draft=draft(*lines, email=email), channel="api", actor=SYSTEM)
    return order


def stock_of(variant) -> StockLevel:
    return StockLevel.objects.get(variant=variant, location__is_default=True)


def available(variant) -> int:
    row = stock_of(variant)
    return row.on_hand - row.reserved


def events(type: str, sku: str | None = None) -> list[Event]:
    rows = Event.objects.filter(type=type).order_by("id")
    return [e for e in rows if sku is None or e.payload.get("sku") == sku]


def run_in_threads(fn, args, *, workers: int = 16) -> list[tuple[str, object]]:
    """Call ``fn(arg)`` for every arg on a pool of threads, each with its own database
    connection (closed when the call ends). Returns ``("ok", result)`` or ``("error", exc)``."""

    def call(arg):
        try:
            return "ok", fn(arg)
        except Exception as e:
            return "error", e
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, args))


def lock_waiters() -> int:
    """Sessions of this database waiting for a row lock right now."""
    if connection.vendor == "mysql":
        # A session inside a statement that does not finish: waiting for a row lock (InnoDB
        # shows LOCK WAIT) or, for an insert on a unique key, before InnoDB lists it at all.
        sql = (
            "SELECT count(*) FROM information_schema.processlist "
            "WHERE db = DATABASE() AND command = 'Query' AND id <> CONNECTION_ID()"
        )
    else:
        sql = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def require_postgres() -> None:
    """Concurrent writers: PostgreSQL or MySQL/MariaDB (SQLite runs one writer at a time)."""
    if connection.vendor not in ("postgresql", "mysql"):
        pytest.skip("runs when DATABASE_URL points at PostgreSQL or MySQL/MariaDB")
