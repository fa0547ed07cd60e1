"""The nightly insights run: the anomaly check of every whole day since the last check, then
the forecasts and reorder points, then the price suggestions.

The scheduler's tick calls ``nightly_due``: from ``SOLOOPS_INSIGHTS_HOUR`` (shop time) it
claims the shop day with a unique ``NightlyRun`` row — two schedulers claim it once — and
hands the work to a worker on commit. A run whose worker was lost (queued or running, no
progress for ``NIGHTLY_STALE``) is handed out again: every step is idempotent (the anomaly
check skips what it recorded, forecasts replace their rows, a suggestion already waiting is
kept), so running a night twice changes nothing the first run did not.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.analytics.models import DailyFact, DayTimings, NightlyRun, NightlyStatus
from soloops.analytics.services.anomalies import anomalies_detect
from soloops.analytics.services.facts import daily_facts_rebuild
from soloops.analytics.services.forecasts import forecasts_refresh
from soloops.analytics.services.prices import price_suggestions_refresh
from soloops.orders.selectors import first_order_at
from soloops.shop.selectors import shop_zone

logger = logging.getLogger(__name__)

NIGHTLY_STALE = timedelta(hours=1)  # no progress this long: the worker is gone
CATCH_UP_DAYS = 28  # the most days one run checks for anomalies (after a long outage)
FIRST_CHECK_DAYS = 7  # with no run before, the days checked


def _claim(day, claimed_by: str) -> NightlyRun | None:
    try:
        with transaction.atomic():
            run = NightlyRun.objects.create(day=day, claimed_by=claimed_by)
            transaction.on_commit(lambda: _enqueue(run.pk))
    except IntegrityError:
        return None
    return run


def _enqueue(run_id: int) -> None:
    from soloops.analytics.tasks import insights_nightly

    try:
        insights_nightly.enqueue(run_id=run_id)
    except Exception:
        logger.exception("could not enqueue nightly run %s; the scheduler will again", run_id)


def nightly_due(*, claimed_by: str, now: datetime | None = None) -> NightlyRun | None:
    """The scheduler's tick: tonight's run, claimed and handed to a worker once its hour has
    come (None otherwise, or when another scheduler claimed it); and a lost run handed out
    again. Usually one indexed read."""
    now = now or timezone.now()
    stale = NightlyRun.objects.filter(
        status__in=[NightlyStatus.QUEUED, NightlyStatus.RUNNING],
        updated_at__lt=now - NIGHTLY_STALE,
    ).first()
    if stale is not None:
        # touch it, so the next tick does not hand it out again
        NightlyRun.objects.filter(pk=stale.pk).update(updated_at=now)
        _enqueue(stale.pk)
    hour = settings.INSIGHTS_HOUR
    local = now.astimezone(shop_zone())
    if hour is None or local.hour < hour:
        return None
    day = local.date()
    if NightlyRun.objects.filter(day=day).exists():
        return None
    return _claim(day, claimed_by)


def _checked_through(run: NightlyRun):
    """The last day an earlier run checked for anomalies (None before the first run)."""
    return (
        NightlyRun.objects.filter(day__lt=run.day, checked_through__isnull=False)
        .order_by("-day")
        .values_list("checked_through", flat=True)
        .first()
    )


def _timings_missing() -> bool:
    """Daily facts from before the order timings existed (an upgrade): the first night
    rebuilds them once, so the processing-time KPIs have their rows."""
    if DayTimings.objects.exists() or not DailyFact.objects.exists():
        return False
    return first_order_at() is not None


def _update(run: NightlyRun, **fields) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=[*fields, "updated_at"])


def nightly_run(*, run_id: int) -> NightlyRun | None:
    """Do one night's work (the worker's task). A finished run is left alone; a failed step
    marks the run failed with its error (shown on the Insights page) and stops."""
    run = NightlyRun.objects.filter(pk=run_id).first()
    if run is None or run.status == NightlyStatus.DONE:
        return run
    actor = Actor.system("insights")
    yesterday = run.day - timedelta(days=1)
    last = _checked_through(run)
    first = yesterday - timedelta(days=FIRST_CHECK_DAYS - 1) if last is None else last
    if last is not None:
        first += timedelta(days=1)
    first = max(first, yesterday - timedelta(days=CATCH_UP_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((yesterday - first).days + 1)]
    _update(run, status=NightlyStatus.RUNNING, started_at=timezone.now(), error="")
    try:
        if _timings_missing():
            daily_facts_rebuild()
        found = sum(len(anomalies_detect(actor=actor, day=day)) for day in days)
        _update(run, anomalies=found, checked_through=yesterday)

        def progress(done: int, total: int) -> None:
            _update(run, done=done, total=total)

        result = forecasts_refresh(actor=actor, progress=progress)
        _update(run, series=result.series, policies_updated=result.policies_updated)
        price_suggestions_refresh(actor=actor)
    except Exception as e:
        logger.exception("nightly insights run %s failed", run.day)
        _update(run, status=NightlyStatus.FAILED, error=str(e)[:500], finished_at=timezone.now())
        return run
    _update(run, status=NightlyStatus.DONE, done=run.total, finished_at=timezone.now())
    return run
