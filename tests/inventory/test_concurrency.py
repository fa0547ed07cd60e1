"""Real concurrency: threads, each with its own database connection, against one SKU.

No oversell runs on SQLite and PostgreSQL (writers queue on SQLite's busy timeout; rows lock on
PostgreSQL). The lock-order and race tests need PostgreSQL's row locks and skip on SQLite, where
one writer at a time rules those races out.
"""

import threading

import pytest
from django.db import connections, transaction

from soloops.automation.models import Event
from soloops.inventory.models import Reservation, ReservationStatus, StockLevel
from soloops.inventory.selectors import ledger_mismatches
from soloops.inventory.services import (
    InsufficientStock,
    stock_change,
    stock_consume,
    stock_count,
    stock_release,
)
from soloops.orders.models import Order
from tests.conftest import wait_until
from tests.factories import make_variant
from tests.inventory.conftest import (
    SYSTEM,
    events,
    lock_waiters,
    place,
    require_postgres,
    run_in_threads,
    stock_of,
)

ATTEMPTS = 200
IN_STOCK = 50


def test_no_oversell_under_concurrent_intake(transactional_db, default_location, accepting_policy):
    # given: one SKU with 50 in stock (low-stock threshold 5)
    variant = make_variant("HOT-1", stock=IN_STOCK)
    stock_id = stock_of(variant).pk

    def attempt(i: int) -> int:
        # a 1-unit order from its own customer, then what this connection sees as available
        try:
            place(("HOT-1", 1), email=f"rush{i}@example.com")
        finally:
            on_hand, reserved = StockLevel.objects.values_list("on_hand", "reserved").get(
                pk=stock_id
            )
            seen.append(on_hand - reserved)
        return i

    seen: list[int] = []

    # when: 200 attempts from 16 connections at a time
    outcomes = run_in_threads(attempt, range(ATTEMPTS))

    # then: exactly 50 got a unit, every other attempt was refused as insufficient stock
    placed = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "error"]
    assert len(placed) == IN_STOCK
    assert all(isinstance(e, InsufficientStock) for e in refused), {type(e) for e in refused}
    assert {(e.field, e.extra["requested"]) for e in refused} == {("lines[0].quantity", 1)}
    assert len(refused) == ATTEMPTS - IN_STOCK
    # available was never seen below zero, and ended at exactly zero
    assert min(seen) >= 0
    row = stock_of(variant)
    assert (row.on_hand, row.reserved) == (IN_STOCK, IN_STOCK)
    active = Reservation.objects.filter(stock=row, status=ReservationStatus.ACTIVE)
    assert sorted(active.values_list("quantity", flat=True)) == [1] * IN_STOCK
    assert ledger_mismatches() == []
    # refused orders left nothing behind; each crossing was announced once
    assert Order.objects.count() == IN_STOCK
    assert Event.objects.filter(type="order.placed").count() == IN_STOCK
    assert len(events("stock.low", "HOT-1")) == 1
    assert len(events("stock.out", "HOT-1")) == 1


@pytest.mark.postgres
def test_orders_with_lines_in_opposite_order_never_deadlock(
    transactional_db, default_location, accepting_policy
):
    require_postgres()
    # given: two SKUs; half the orders list them A, B and half B, A
    a = make_variant("PAIR-A", stock=1000)
    b = make_variant("PAIR-B", stock=1000)
    orders = [
        (("PAIR-A", 1), ("PAIR-B", 2)) if i % 2 else (("PAIR-B", 2), ("PAIR-A", 1))
        for i in range(ATTEMPTS)
    ]

    # when
    outcomes = run_in_threads(lambda lines: place(*lines), orders)

    # then: every order went through (a deadlock would surface as a DatabaseError here)
    errors = [repr(value) for kind, value in outcomes if kind == "error"]
    assert errors == []
    assert (stock_of(a).reserved, stock_of(b).reserved) == (ATTEMPTS, 2 * ATTEMPTS)
    assert Reservation.objects.filter(status=ReservationStatus.ACTIVE).count() == 2 * ATTEMPTS
    assert ledger_mismatches() == []


def _second_waits_for_first(first, second) -> tuple[object, object]:
    """Run ``first`` in a transaction that stays open until ``second`` (started meanwhile on
    another connection) is seen waiting for a lock; then commit and let ``second`` finish."""
    results: dict[str, object] = {}
    first_done, go = threading.Event(), threading.Event()

    def run_first():
        try:
            with transaction.atomic():
                results["first"] = first()
                first_done.set()
                assert go.wait(timeout=60), "the test never let the first transaction commit"
        finally:
            connections.close_all()

    def run_second():
        try:
            results["second"] = second()
        except Exception as e:
            results["second"] = e
        finally:
            connections.close_all()

    one = threading.Thread(target=run_first)
    one.start()
    assert first_done.wait(timeout=60), "the first transaction did not get its work done"
    two = threading.Thread(target=run_second)
    two.start()
    wait_until(lambda: lock_waiters() >= 1, what="the second session to wait for a row lock")
    go.set()
    one.join(timeout=60)
    two.join(timeout=60)
    return results["first"], results["second"]


@pytest.mark.postgres
@pytest.mark.parametrize("action", ["release", "consume"])
def test_two_sessions_releasing_or_consuming_the_same_lines_act_once(
    transactional_db, default_location, accepting_policy, action
):
    require_postgres()
    # given: two orders holding 3 and 5 of one SKU
    variant = make_variant("RACE-1", stock=20)
    first_order = place(("RACE-1", 3))
    place(("RACE-1", 5))
    lines = [first_order.lines.get().pk]

    def act():
        if action == "release":
            return stock_release(order_line_ids=lines, actor=SYSTEM)
        return len(stock_consume(order_line_ids=lines, reference=("test", "1"), actor=SYSTEM))

    # when: a second session acts on the same lines while the first has not committed yet
    first, second = _second_waits_for_first(act, act)

    # then: the second found nothing left to do
    assert (first, second) == ((3, 0) if action == "release" else (1, 0))
    row = stock_of(variant)
    assert (row.on_hand, row.reserved) == ((20, 5) if action == "release" else (17, 5))
    assert ledger_mismatches() == []


@pytest.mark.postgres
def test_a_count_racing_a_receipt_ends_at_what_was_counted(transactional_db, default_location):
    require_postgres()
    # given
    variant = make_variant("RACE-2", stock=10)

    # when: 5 arrive in a transaction that commits while the count waits for the row
    _second_waits_for_first(
        lambda: stock_change(variant=variant, quantity=5, kind="receipt", actor=SYSTEM),
        lambda: stock_count(variant=variant, counted=7, reason="shelf count", actor=SYSTEM),
    )

    # then: the shelf holds what was counted, and the correction says so
    assert stock_of(variant).on_hand == 7
    assert ledger_mismatches() == []
