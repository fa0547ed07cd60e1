"""Keeping the daily facts current and rebuilding them.

The facts are derived data: each write replaces whole days by their recomputation from the
source rows (``rollups.days_compute``), so a replayed event, a handler retried after a crash
or a rebuild over live tables all end in the same rows. No event is recorded for them (they
are not business facts; what they are computed from is).
"""

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from soloops.analytics.models import DailyFact, OrderTiming, SkuDailyFact
from soloops.analytics.rollups import day_runs, days_compute, local_day
from soloops.orders.selectors import first_order_at
from soloops.shop.selectors import shop_currency, shop_zone

# Days recomputed per transaction by the rebuild (a progress step).
REBUILD_CHUNK_DAYS = 31


def shop_today(zone) -> date:
    return local_day(timezone.now(), zone)


def _store(first: date, last: date, zone, currency: str) -> None:
    """Replace the facts of [first, last] by their recomputation. Caller holds a transaction."""
    computed = days_compute(first=first, last=last, zone=zone, currency=currency)
    for model in (DailyFact, SkuDailyFact, OrderTiming):
        model.objects.filter(day__gte=first, day__lte=last).delete()
    DailyFact.objects.bulk_create(
        [DailyFact(day=day, **figures.fields()) for day, figures in computed.days.items()]
    )
    SkuDailyFact.objects.bulk_create(
        [
            SkuDailyFact(day=day, sku=sku, orders=f.orders, units=f.units, revenue=f.revenue)
            for (day, sku), f in sorted(computed.skus.items())
        ]
    )
    OrderTiming.objects.bulk_create(
        [OrderTiming(**vars(t)) for t in computed.timings], batch_size=1000
    )


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
    recomputed. Idempotent: running it twice writes the same rows."""
    zone, currency = shop_zone(), shop_currency()
    wanted = set(days)
    if not wanted:
        return 0
    with transaction.atomic():
        for first, last in day_runs(wanted):
            _store(first, last, zone, currency)
        table_first = DailyFact.objects.order_by("day").values_list("day", flat=True).first()
        _fill_gaps(min(wanted | {table_first}), max(max(wanted), shop_today(zone)))
    return len(wanted)


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
            for model in (DailyFact, SkuDailyFact, OrderTiming):
                model.objects.all().delete()
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
