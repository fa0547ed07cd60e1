"""The daily facts are refreshed after the events, not in their dispatch: the handlers mark the
days they touched, and the refresh task recomputes each marked day once, claims days with SKIP
LOCKED (two refreshes never collide), keeps a day marked during its refresh dirty, and the
scheduler's sweep refreshes days whose task was lost."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soloops.analytics.models import DailyFact, DirtyDay
from soloops.analytics.services import (
    dirty_days_mark,
    dirty_days_refresh,
    dirty_days_refresh_overdue,
)
from soloops.analytics.services.facts import DIRTY_DAY_OVERDUE, REFRESH_BATCH_DAYS
from soloops.analytics.tasks import daily_facts_refresh_task
from soloops.automation.models import Event
from soloops.events.services import events_dispatch
from soloops.orders.services import order_cancel
from soloops.payments.services import payment_start
from soloops.shop.selectors import shop_zone
from tests.analytics.conftest import (
    SUCCESS_CARD,
    SYSTEM,
    facts_refresh_run,
    place,
    refresh_enqueues_run,
)
from tests.conftest import wait_until

pytestmark = pytest.mark.usefixtures("shop")


def today():
    return timezone.localtime(timezone.now(), shop_zone()).date()


def dispatch_only() -> int:
    """The events handed to their handlers, and nothing that follows the commit."""
    ids = list(Event.objects.filter(dispatched_at__isnull=True).values_list("id", flat=True))
    events_dispatch(event_ids=ids)
    return len(ids)


def facts_deletes(queries) -> int:
    """How many times a day's facts were replaced (each recompute deletes them first)."""
    return sum(
        1
        for q in queries
        if q["sql"].upper().startswith("DELETE")
        and "analytics_dailyfact" in q["sql"].replace("`", '"')
    )


def test_many_events_for_one_day_are_recomputed_once():
    # given: orders placed, accepted, paid and cancelled today: many events for one day
    orders = [place([("MUG-1", 1)]) for _ in range(4)]
    payment_start(order=orders[0], provider="sandbox", card_number=SUCCESS_CARD, actor=SYSTEM)
    order_cancel(order=orders[1], actor=SYSTEM, reason="customer asked")

    # when the events are dispatched, then what follows the commit runs
    with CaptureQueriesContext(connection) as dispatch:
        events = dispatch_only()
    marked = list(DirtyDay.objects.values_list("day", flat=True))
    with CaptureQueriesContext(connection) as refresh:
        recomputed = facts_refresh_run()

    # then the dispatch only marked the day (no facts written there), and the day was
    # recomputed once — to the figures of all the events
    assert events >= 10
    assert marked == [today()]
    assert facts_deletes(dispatch.captured_queries) == 0
    assert recomputed == 1
    assert facts_deletes(refresh.captured_queries) == 1
    fact = DailyFact.objects.get(day=today())
    assert (fact.orders_placed, fact.orders_paid, fact.orders_cancelled) == (4, 1, 1)
    assert not DirtyDay.objects.exists()


def test_one_refresh_task_per_dispatch_transaction():
    # given: a batch of events touching today and a backdated day
    place([("MUG-1", 1)])
    place([("CAP-1", 2)], days_ago=3)
    place([("TEE-1", 1)])

    # when they are dispatched in one batch and its commit's callbacks run
    dispatch_only()
    facts_refresh_run()

    # then one task was enqueued for the batch, and it recomputed both days
    tasks = DBTaskResult.objects.filter(task_path=daily_facts_refresh_task.module_path)
    assert [t.return_value for t in tasks] == [2]
    assert DailyFact.objects.get(day=today()).orders_placed == 2
    assert DailyFact.objects.get(day=today() - timedelta(days=3)).orders_placed == 1


def test_marks_while_a_refresh_task_is_queued_enqueue_no_other():
    # given: an order's events dispatched, and the refresh task their commit enqueued
    refresh_tasks = DBTaskResult.objects.filter(task_path=daily_facts_refresh_task.module_path)
    place([("MUG-1", 1)])
    dispatch_only()
    refresh_enqueues_run()
    assert refresh_tasks.count() == 1

    # when two more orders' events are dispatched, each in its own transaction, before it ran
    for _ in range(2):
        place([("MUG-1", 1)])
        dispatch_only()
        refresh_enqueues_run()

    # then no other task was enqueued, and the one queued recomputed the day with all three
    assert refresh_tasks.count() == 1
    assert facts_refresh_run() == 1
    assert DailyFact.objects.get(day=today()).orders_placed == 3

    # and once it has started, the next marks enqueue a task again
    place([("MUG-1", 1)])
    dispatch_only()
    assert facts_refresh_run() == 1
    assert refresh_tasks.count() == 2
    assert DailyFact.objects.get(day=today()).orders_placed == 4


def test_a_mark_committed_during_a_refresh_enqueues_a_new_task():
    # given: a refresh task that has started (it cleared the queued entry) but not yet claimed
    from soloops.analytics.services import facts_refresh_started

    refresh_tasks = DBTaskResult.objects.filter(task_path=daily_facts_refresh_task.module_path)
    place([("MUG-1", 1)])
    dispatch_only()
    refresh_enqueues_run()
    facts_refresh_started()

    # when another order's marks commit
    place([("MUG-1", 1)])
    dispatch_only()
    refresh_enqueues_run()

    # then they enqueued a task of their own
    assert refresh_tasks.count() == 2


def test_the_scheduler_sweep_refreshes_a_day_whose_task_was_lost():
    # given: an order's events dispatched, but the refresh task lost (the worker died)
    place([("MUG-1", 2)])
    dispatch_only()
    connection.run_on_commit.clear()  # the enqueue never happened
    first = DirtyDay.objects.get(day=today())
    with transaction.atomic():
        dirty_days_mark(days=[today()])  # marked again (a busy day): still waiting as long
    again = DirtyDay.objects.get(day=today())
    assert again.token != first.token
    marked_at = again.marked_at
    assert marked_at == first.marked_at

    # when the scheduler ticks before the day is overdue, then after
    early = dirty_days_refresh_overdue(now=marked_at + DIRTY_DAY_OVERDUE / 2)
    assert not DailyFact.objects.filter(day=today(), orders_placed=1).exists()
    late = dirty_days_refresh_overdue(now=marked_at + DIRTY_DAY_OVERDUE + timedelta(seconds=1))

    # then only the later tick refreshed the day
    assert (early, late) == (0, 1)
    assert DailyFact.objects.get(day=today()).units == 2
    assert not DirtyDay.objects.exists()


@pytest.mark.processes
def test_a_real_scheduler_refreshes_a_day_whose_task_was_lost(processes):
    # given: an order's events dispatched and its day marked a while ago, its refresh task
    # enqueued but never run (no worker: as if the worker died with it)
    place([("MUG-1", 3)])
    dispatch_only()
    DirtyDay.objects.update(marked_at=timezone.now() - 2 * DIRTY_DAY_OVERDUE)
    assert DBTaskResult.objects.filter(task_path=daily_facts_refresh_task.module_path).exists()
    assert not DailyFact.objects.filter(units=3).exists()

    # when a scheduler ticks (in the shop's time zone, as this test's process: from 16:00 UTC
    # Shanghai's today is UTC's tomorrow)
    scheduler = processes.start("scheduler", env={"SOLOOPS_TIME_ZONE": "Asia/Shanghai"})
    wait_until(
        lambda: not DirtyDay.objects.exists(), timeout=60, what=lambda: processes.log(scheduler)
    )

    # then it recomputed the day
    assert sum(DailyFact.objects.values_list("units", flat=True)) == 3


def test_the_rebuild_clears_the_marks_it_covers():
    # given: a day marked whose refresh has not run yet
    place([("MUG-1", 1)])
    dispatch_only()
    connection.run_on_commit.clear()

    # when the owner rebuilds from today
    from soloops.analytics.services import daily_facts_rebuild

    daily_facts_rebuild(since=today())

    # then the day is current and no longer marked
    assert DailyFact.objects.get(day=today()).orders_placed == 1
    assert not DirtyDay.objects.exists()


def _sessions_waiting_on_a_lock() -> int:
    """Sessions of the test database waiting for a row lock. PostgreSQL's statistics are a
    snapshot per transaction: cleared first, as the caller asks from inside one."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        else:
            # MariaDB 10.11 leaves the waiting DELETE out of innodb_trx (seen: 30 s "Updating"
            # in the process list, absent there): a statement of another session still running
            # after a second is one waiting for the lock this test holds (nothing else is slow).
            cursor.execute(
                "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() "
                "AND id <> CONNECTION_ID() AND command = 'Query' AND time >= 1"
            )
        return cursor.fetchone()[0]


def _in_thread(fn, outcome: list) -> threading.Thread:
    def run() -> None:
        try:
            outcome.append(fn())
        except Exception as error:  # the test asserts there is none
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def today_refreshed_then_marked_again() -> None:
    """Today's facts refreshed after one order, then today marked again by a second order's
    events (not yet refreshed)."""
    place([("MUG-1", 1)])
    dispatch_only()
    dirty_days_refresh()
    place([("MUG-1", 1)])
    dispatch_only()


def test_a_day_marked_while_it_is_refreshed_stays_dirty(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer at a time: a mark cannot come during a refresh")
    # given: today's facts, and today marked again by a new order's events (not yet refreshed)
    today_refreshed_then_marked_again()
    assert DirtyDay.objects.filter(day=today()).exists()

    # when a refresh has claimed today and is held up writing its facts (another session
    # holds today's fact row), and meanwhile another event marks today again
    refreshed: list = []
    marked: list = []

    def mark() -> None:
        with transaction.atomic():
            dirty_days_mark(days=[today()])

    with transaction.atomic():
        DailyFact.objects.select_for_update().get(day=today())
        refresh = _in_thread(dirty_days_refresh, refreshed)
        wait_until(
            lambda: _sessions_waiting_on_a_lock() >= 1 or refreshed,
            what="the refresh to wait",
        )
        assert not refreshed, refreshed
        marker = _in_thread(mark, marked)
        wait_until(lambda: _sessions_waiting_on_a_lock() >= 2, what="the mark to wait")
    refresh.join(timeout=60)
    marker.join(timeout=60)

    # then the refresh recomputed today and deleted its claim, but today is dirty again (the
    # mark came after the claim) and the next refresh recomputes it
    assert refreshed == [1]
    assert marked == [None]
    assert DirtyDay.objects.filter(day=today()).count() == 1
    assert dirty_days_refresh() == 1
    assert not DirtyDay.objects.exists()
    assert DailyFact.objects.get(day=today()).orders_placed == 2


def test_two_refreshes_at_once_work_on_disjoint_days(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer at a time: two refreshes cannot overlap")
    # given: more marked days than one refresh claims per transaction
    days = [today() - timedelta(days=i) for i in range(REFRESH_BATCH_DAYS + 9)]
    for n in range(1, 6):
        place([("MUG-1", 1)], days_ago=n * 7 + 0.01)
    with transaction.atomic():
        dirty_days_mark(days=days)

    # when two refreshes start together, each on its own connection
    start = threading.Barrier(2)
    outcomes: list = []

    def refresh() -> int:
        start.wait(timeout=30)
        return dirty_days_refresh()

    threads = [_in_thread(refresh, outcomes) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=120)

    # then neither raised, every day was recomputed exactly once between them, none is left
    assert all(isinstance(n, int) for n in outcomes), outcomes
    assert sum(outcomes) == len(days)
    assert not DirtyDay.objects.exists()
    assert sum(DailyFact.objects.values_list("orders_placed", flat=True)) == 5


def test_a_refresh_chosen_as_a_deadlocks_victim_claims_again(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer at a time: a refresh cannot deadlock")
    # given today's facts and today marked again
    today_refreshed_then_marked_again()

    # when a refresh has claimed today and waits for today's fact row, which this session
    # holds, and this session then asks for the refresh's claim: a deadlock. This session has
    # written more (its weight makes MariaDB roll the refresh back; PostgreSQL rolls back the
    # session that waited first, the refresh)
    refreshed: list = []
    with transaction.atomic():
        DailyFact.objects.filter(day=today()).update(orders_placed=F("orders_placed"))
        for n in range(20):
            DirtyDay.objects.create(
                day=today() - timedelta(days=400 + n), token=f"weight-{n}", marked_at=timezone.now()
            )
        refresh = _in_thread(dirty_days_refresh, refreshed)
        wait_until(
            lambda: _sessions_waiting_on_a_lock() >= 1 or refreshed,
            what="the refresh to wait",
        )
        assert not refreshed, refreshed
        DirtyDay.objects.select_for_update().get(day=today())
        DirtyDay.objects.filter(token__startswith="weight-").delete()
    refresh.join(timeout=60)

    # then the refresh, rolled back, claimed again instead of failing
    assert len(refreshed) == 1 and isinstance(refreshed[0], int), refreshed
    # and no mark was lost: whatever it claimed the second time, today is current afterwards
    dirty_days_refresh()
    assert not DirtyDay.objects.exists()
    assert DailyFact.objects.get(day=today()).orders_placed == 2
