"""Keeping the daily facts current and rebuilding them.

The facts are derived data: each write replaces whole days by their recomputation from the
source rows (``rollups.days_compute``), so a replayed event, a handler retried after a crash
or a rebuild over live tables all end in the same rows. No event is recorded for them (they
are not business facts; what they are computed from is).

Eventually current, a few seconds behind: an event's handler only marks the days it touched
(``dirty_days_mark``: a ``DirtyDay`` upsert in the dispatch transaction) and enqueues, on
commit, the refresh task. The task (``dirty_days_refresh``) claims marked days with SKIP
LOCKED — two tasks work on disjoint days and never write the same day's rows — recomputes
them once however many events marked them, and deletes the rows it claimed in the same
transaction (a batch the database rolls back to break a deadlock, which MariaDB's locks make
possible between two refreshes, is claimed again). A day marked again while it is being
refreshed stays dirty:

- PostgreSQL (READ COMMITTED), MariaDB/MySQL: the claim locks the row; the marker's upsert
  waits for the refresh to commit, then finds the row deleted and inserts a new one (and
  enqueues another refresh). The claim is the transaction's first read, so the recomputation
  sees every source row committed before the marks it claimed.
- SQLite: one writer at a time (transactions begin IMMEDIATE), so a mark is wholly before or
  after a refresh.
- Everywhere: the delete takes only rows whose ``token`` is still the one claimed, so a mark
  that somehow got in between is never lost.

The zero rows of days nothing happened on are filled after the claims commit, in a
transaction of their own (another refresh may be writing one of those days: its insert is an
upsert, and both insert in day order).

One refresh task waits in the queue at a time, not one per marking transaction (they were 6
an order in the scale loop, most finding nothing left to claim): a cache entry says a task is
queued and has not started; a transaction whose marks commit while it is there enqueues no
other, because that task claims after it starts, so after those marks committed. The task
removes the entry before its claim, so a mark committed during a refresh (or skipped by its
claim, locked by its marker) enqueues a new task. The entry expires after
``REFRESH_QUEUED_TTL`` should its task be lost; without a cache, every transaction enqueues.

A task that is lost (worker killed, broker down) leaves its days marked: the scheduler's tick
(``dirty_days_refresh_overdue``) recomputes days first marked (since their last refresh) more
than ``DIRTY_DAY_OVERDUE`` ago, after one indexed read.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import OperationalError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from soloops.analytics.models import DailyFact, DayTimings, DirtyDay, SkuDailyFact
from soloops.analytics.rollups import day_runs, days_compute, local_day, timings_packed
from soloops.locking import is_deadlock, lock_own_rows
from soloops.orders.selectors import first_order_at
from soloops.shop.selectors import shop_currency, shop_zone

logger = logging.getLogger(__name__)

# Days recomputed per transaction by the rebuild (a progress step).
REBUILD_CHUNK_DAYS = 31
# Marked days claimed and recomputed per transaction by the refresh task.
REFRESH_BATCH_DAYS = 31
# A refresh batch the database rolled back to break a deadlock is claimed again, this often.
MAX_DEADLOCK_RETRIES = 3
# A day marked this long ago whose refresh has not run: its task was lost; the scheduler does it.
DIRTY_DAY_OVERDUE = timedelta(minutes=1)
# The cache entry that says a refresh task is queued and has not started (see above), and how
# long it lasts if that task is lost (meanwhile the scheduler's sweep covers marked days).
REFRESH_QUEUED_KEY = "soloops:analytics:facts-refresh-queued"
REFRESH_QUEUED_TTL = 30


def shop_today(zone) -> date:
    return local_day(timezone.now(), zone)


def _store(first: date, last: date, zone, currency: str) -> None:
    """Replace the facts of [first, last] by their recomputation. Caller holds a transaction."""
    computed = days_compute(first=first, last=last, zone=zone, currency=currency)
    for model in (DailyFact, SkuDailyFact, DayTimings):
        model.objects.filter(day__gte=first, day__lte=last).delete()
    # An upsert: another refresh's gap filling may have committed a zero row for one of these
    # days (one it found missing) since the delete.
    DailyFact.objects.bulk_create(
        [DailyFact(day=day, **figures.fields()) for day, figures in sorted(computed.days.items())],
        update_conflicts=True,
        unique_fields=_conflict_target(DailyFact, ["day"]),
        update_fields=_FIGURES,
    )
    SkuDailyFact.objects.bulk_create(
        [
            SkuDailyFact(day=day, sku=sku, orders=f.orders, units=f.units, revenue=f.revenue)
            for (day, sku), f in sorted(computed.skus.items())
        ]
    )
    DayTimings.objects.bulk_create(
        [
            DayTimings(day=day, order_ids=ids, ship_hours=ship, deliver_hours=deliver)
            for day, (ids, ship, deliver) in sorted(timings_packed(computed.timings).items())
        ]
    )


_FIGURES = [
    f.name for f in DailyFact._meta.concrete_fields if f.name not in ("id", "day", "created_at")
]


def _conflict_target(model, fields: list[str]) -> list[str] | None:
    """The upsert's conflict columns; none on MySQL/MariaDB (ON DUPLICATE KEY UPDATE)."""
    connection = connections[router.db_for_write(model)]
    return fields if connection.features.supports_update_conflicts_with_target else None


def _fill_gaps(first: date, last: date) -> None:
    """Zero rows for the days of [first, last] that have none (nothing happened on them).
    Usually a count says there are none to add (one query)."""
    in_range = DailyFact.objects.filter(day__gte=first, day__lte=last)
    if in_range.count() == (last - first).days + 1:
        return
    have = set(in_range.values_list("day", flat=True))
    missing = [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if first + timedelta(days=i) not in have
    ]
    DailyFact.objects.bulk_create([DailyFact(day=day) for day in missing], ignore_conflicts=True)


def daily_facts_refresh(*, days: Iterable[date]) -> int:
    """Recompute ``days`` (the days an event touched), and keep the table gap-free: from its
    first day (or an earlier one refreshed now) to today. Returns how many days were
    recomputed. Idempotent: running it twice writes the same rows. Two calls on the same day
    at once collide on its unique rows: events go through ``dirty_days_mark`` instead."""
    zone, currency = shop_zone(), shop_currency()
    wanted = set(days)
    if not wanted:
        return 0
    with transaction.atomic():
        _recompute(wanted, zone, currency)
        _fill_gaps_around(wanted, zone)
    return len(wanted)


def _recompute(days: set[date], zone, currency: str) -> None:
    for first, last in day_runs(days):
        _store(first, last, zone, currency)


def _fill_gaps_around(days: set[date], zone) -> None:
    """Zero rows from the table's first day (or an earlier one of ``days``) to today."""
    table_first = DailyFact.objects.order_by("day").values_list("day", flat=True).first()
    _fill_gaps(min(days | {table_first or min(days)}), max(max(days), shop_today(zone)))


def dirty_days_mark(*, days: Iterable[date]) -> None:
    """Mark ``days`` for the refresh task and enqueue it when the caller's transaction commits
    (an event handler: cheap, idempotent, never collides with a refresh)."""
    wanted = sorted(set(days))  # key order: two markers never deadlock
    if not wanted:
        return
    now = timezone.now()
    DirtyDay.objects.bulk_create(
        [DirtyDay(day=day, token=uuid.uuid4().hex, marked_at=now) for day in wanted],
        update_conflicts=True,
        unique_fields=_conflict_target(DirtyDay, ["day"]),
        # marked_at stays: how long the day has waited (a busy day is marked again every few
        # seconds; if its task is lost it must still grow overdue for the scheduler)
        update_fields=["token", "updated_at"],
    )
    # One task per transaction, however many handlers marked days in it (a dispatch batch).
    connection = connections[router.db_for_write(DirtyDay)]
    if not any(callback is _refresh_enqueue for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_refresh_enqueue, using=connection.alias)


def _refresh_enqueue() -> None:
    """After a marking transaction commits: enqueue the refresh task, unless one is queued and
    has not started (it will claim these marks)."""
    from soloops.analytics.tasks import daily_facts_refresh_task

    try:
        if not cache.add(REFRESH_QUEUED_KEY, True, REFRESH_QUEUED_TTL):
            return
    except Exception:
        logger.warning("no cache to tell a queued facts refresh; enqueueing one", exc_info=True)
    try:
        daily_facts_refresh_task.enqueue()
    except Exception:
        # the days stay marked: the scheduler's sweep refreshes them
        logger.exception("could not enqueue the daily facts refresh; the scheduler will")
        facts_refresh_started()


def facts_refresh_started() -> None:
    """The refresh task's first step, before its claim: marks committed from now on enqueue a
    new task (this one may not see them)."""
    try:
        cache.delete(REFRESH_QUEUED_KEY)
    except Exception:
        logger.warning("could not clear the queued facts refresh entry", exc_info=True)


def dirty_days_refresh(*, marked_before: datetime | None = None) -> int:
    """Recompute the marked days (only those marked before ``marked_before``, if given) that
    no other refresh holds, ``REFRESH_BATCH_DAYS`` per transaction: claim, recompute, delete
    the claimed rows whose token did not change. Returns how many days were recomputed."""
    zone, currency = shop_zone(), shop_currency()  # read before the claim: see above
    recomputed: set[date] = set()
    deadlocks = 0
    # Inside a caller's transaction a deadlock rolled back the caller's work too: not ours to redo.
    own_transaction = not transaction.get_connection(router.db_for_write(DirtyDay)).in_atomic_block
    while True:
        try:
            claimed, days = _refresh_batch(marked_before, zone, currency)
        except OperationalError as error:
            # MariaDB may pick a refresh as a deadlock's victim (two refreshes' claim deletes
            # each scan the other's rows on a small table; seen in CI). Nothing of the batch
            # committed, and a recomputation is idempotent: claim again.
            deadlocks += 1
            if not (own_transaction and is_deadlock(error)) or deadlocks > MAX_DEADLOCK_RETRIES:
                raise
            logger.info("the facts refresh was a deadlock's victim; claiming again")
            continue
        recomputed |= days
        if claimed < REFRESH_BATCH_DAYS:
            break
    if recomputed:
        # Its own transaction, after the claims committed: zero rows for days no one claimed,
        # inserted in day order like the claims' rows, so two refreshes never deadlock.
        with transaction.atomic():
            _fill_gaps_around(recomputed, zone)
    return len(recomputed)


def _refresh_batch(marked_before, zone, currency) -> tuple[int, set[date]]:
    """One transaction of the refresh: claim up to ``REFRESH_BATCH_DAYS`` marked days no other
    refresh holds, recompute them, delete the claims whose token did not change. Returns how
    many it claimed and their days."""
    with transaction.atomic():
        marked = DirtyDay.objects.order_by("day")
        if marked_before is not None:
            marked = marked.filter(marked_at__lt=marked_before)
        claimed = list(
            lock_own_rows(marked, skip_locked=True).values_list("pk", "day", "token")[
                :REFRESH_BATCH_DAYS
            ]
        )
        days = {day for _, day, _ in claimed}
        _recompute(days, zone, currency)
        unchanged = Q()
        for pk, _, token in claimed:
            unchanged |= Q(pk=pk, token=token)
        if claimed:
            DirtyDay.objects.filter(unchanged).delete()
    return len(claimed), days


def dirty_days_refresh_overdue(*, now: datetime | None = None) -> int:
    """The scheduler's tick: days marked more than ``DIRTY_DAY_OVERDUE`` ago (their task was
    lost, or the queue is that far behind) recomputed here. One indexed read when none."""
    before = (now or timezone.now()) - DIRTY_DAY_OVERDUE
    if not DirtyDay.objects.filter(marked_at__lt=before).exists():
        return 0
    return dirty_days_refresh(marked_before=before)


def daily_facts_rebuild(
    *, since: date | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute every day from ``since`` (default: the first order's day; the table is
    emptied first) to today, a month per transaction; ``progress(done, total)`` after each.
    Returns how many days were recomputed."""
    zone, currency = shop_zone(), shop_currency()
    today = shop_today(zone)
    if since is None:
        first_at = first_order_at()
        since = local_day(first_at, zone) if first_at else today
        with transaction.atomic():
            # marks made so far are rebuilt below; marks made from now on stay to refresh
            for model in (DailyFact, SkuDailyFact, DayTimings, DirtyDay):
                model.objects.all().delete()
    else:
        DirtyDay.objects.filter(day__gte=since).delete()
    since = min(since, today)
    total = (today - since).days + 1
    done = 0
    while done < total:
        first = since + timedelta(days=done)
        last = min(first + timedelta(days=REBUILD_CHUNK_DAYS - 1), today)
        with transaction.atomic():
            _store(first, last, zone, currency)
        done += (last - first).days + 1
        if progress is not None:
            progress(done, total)
    with transaction.atomic():
        table_first = DailyFact.objects.order_by("day").values_list("day", flat=True).first()
        _fill_gaps(min(since, table_first or since), today)
    return total
