"""Writes of the analytics app: keeping the daily facts current and rebuilding them.

The facts are derived data: each write replaces whole days by their recomputation from the
source rows (``rollups.days_compute``), so a replayed event, a handler retried after a crash
or a rebuild over live tables all end in the same rows. No event is recorded for them (they
are not business facts; what they are computed from is).
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.analytics import anomalies, forecast_runs, selectors
from soloops.analytics.models import Anomaly, DailyFact, Forecast, SkuDailyFact
from soloops.analytics.reorder import check_service_level
from soloops.analytics.rollups import day_runs, days_compute, local_day
from soloops.errors import NotFound
from soloops.events.services import event_emit
from soloops.orders.selectors import first_order_at
from soloops.purchasing.selectors import positions
from soloops.purchasing.services import reorder_policy_set
from soloops.shop.selectors import shop_currency, shop_zone

# Days recomputed per transaction by the rebuild (a progress step).
REBUILD_CHUNK_DAYS = 31


def _today(zone) -> date:
    return local_day(timezone.now(), zone)


def _store(first: date, last: date, zone, currency: str) -> None:
    """Replace the facts of [first, last] by their recomputation. Caller holds a transaction."""
    days, skus = days_compute(first=first, last=last, zone=zone, currency=currency)
    DailyFact.objects.filter(day__gte=first, day__lte=last).delete()
    SkuDailyFact.objects.filter(day__gte=first, day__lte=last).delete()
    DailyFact.objects.bulk_create(
        [DailyFact(day=day, **figures.fields()) for day, figures in days.items()]
    )
    SkuDailyFact.objects.bulk_create(
        [
            SkuDailyFact(day=day, sku=sku, orders=f.orders, units=f.units, revenue=f.revenue)
            for (day, sku), f in sorted(skus.items())
        ]
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
        _fill_gaps(min(wanted | {table_first}), max(max(wanted), _today(zone)))
    return len(wanted)


def daily_facts_rebuild(
    *, since: date | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute every day from ``since`` (default: the first order's day; the table is
    emptied first) to today, a month per transaction; ``progress(done, total)`` after each.
    Returns how many days were recomputed."""
    zone, currency = shop_zone(), shop_currency()
    today = _today(zone)
    if since is None:
        first_at = first_order_at()
        since = local_day(first_at, zone) if first_at else today
        with transaction.atomic():
            DailyFact.objects.all().delete()
            SkuDailyFact.objects.all().delete()
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


# --- forecasts and reorder points ---------------------------------------------------------


@dataclass(frozen=True)
class ForecastRun:
    series: int  # series forecast
    policies_updated: int  # reorder policies that follow their forecast and moved


def _forecast_fields(result: forecast_runs.SeriesResult, first_day: date, now) -> dict:
    fitted, advice = result.fitted, result.advice
    return {
        "sku": result.sku,
        "tier": fitted.tier,
        "model": fitted.model,
        "reason": fitted.reason[:300],
        "scores": {k: round(v, 4) for k, v in fitted.scores.items() if math.isfinite(v)},
        "history_days": result.history_days,
        "first_day": first_day,
        "points": forecast_runs.points(fitted),
        "lead_time_days": advice.lead_time_days if advice else None,
        "service_level": advice.service_level if advice else None,
        "lead_time_demand": round(advice.lead_time_demand, 3) if advice else None,
        "safety_stock": advice.safety_stock if advice else None,
        "reorder_point": advice.reorder_point if advice else None,
        "order_up_to": advice.order_up_to if advice else None,
        "computed_at": now,
    }


def forecasts_refresh(*, actor: Actor, service_level: float | None = None) -> ForecastRun:
    """Forecast the shop's units and revenue and every SKU a supplier sells us from the daily
    facts up to yesterday; store each with its reorder advice at ``service_level`` (default
    ``settings.SERVICE_LEVEL``); then update the reorder policies the owner set to follow
    their forecast (``forecast_follow_set``), each with an ``analytics.reorder_point_changed``
    event. Policies not following keep the owner's values: the forecast is a suggestion."""
    level = check_service_level(settings.SERVICE_LEVEL if service_level is None else service_level)
    zone = shop_zone()
    until = _today(zone) - timedelta(days=1)
    first = selectors.daily_facts_list(until=until).values_list("day", flat=True).first()
    if first is None:
        return ForecastRun(series=0, policies_updated=0)
    days = (until - first).days + 1
    results = []
    for series in selectors.SHOP_SERIES:
        _first, values = selectors.series_values(series=series, until=until)
        results.append(
            forecast_runs.run_series(
                series=series,
                sku="",
                values=np.asarray(values),
                lead_time=None,
                service_level=level,
            )
        )
    supplied = {p.variant.sku: p for p in positions()}
    rows = selectors.sku_sales_rows(skus=list(supplied), since=first, until=until)
    arrays = forecast_runs.sku_arrays(rows, list(supplied), first, days)
    for sku, position in supplied.items():
        offer = position.policy.offer
        results.append(
            forecast_runs.run_series(
                series=f"sku:{sku}",
                sku=sku,
                values=arrays[sku],
                lead_time=offer.lead_time_days if offer else forecast_runs.DEFAULT_LEAD_TIME,
                service_level=level,
            )
        )
    now = timezone.now()
    first_day = forecast_runs.first_forecast_day(until)
    with transaction.atomic():
        existing = {f.series: f for f in Forecast.objects.select_for_update()}
        new, changed = [], []
        for result in results:
            fields = _forecast_fields(result, first_day, now)
            row = existing.get(result.series)
            if row is None:
                new.append(Forecast(series=result.series, **fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                changed.append(row)
        Forecast.objects.bulk_create(new, batch_size=500)
        Forecast.objects.bulk_update(changed, list(fields), batch_size=500)
    updated = 0
    for row in Forecast.objects.filter(follow=True, sku__in=list(supplied)):
        updated += _policy_follow(row, supplied[row.sku], actor)
    return ForecastRun(series=len(results), policies_updated=updated)


def _policy_follow(row: Forecast, position, actor: Actor) -> int:
    """Set the SKU's reorder point and target level to the forecast's, if they differ."""
    policy = position.policy
    if row.reorder_point is None or (
        policy.reorder_point_source == "policy"
        and (policy.reorder_point, policy.target_level) == (row.reorder_point, row.order_up_to)
    ):
        return 0
    with transaction.atomic():
        reorder_policy_set(
            variant=position.variant,
            actor=actor,
            reorder_point=row.reorder_point,
            target_level=row.order_up_to,
            preferred_supplier_id=policy.preferred_supplier_id,
            auto_send=policy.auto_send,
        )
        event_emit(
            type="analytics.reorder_point_changed",
            subject=row,
            payload={
                "sku": row.sku,
                "reorder_point": row.reorder_point,
                "order_up_to": row.order_up_to,
                "previous_reorder_point": policy.reorder_point,
                "safety_stock": row.safety_stock,
                "lead_time_days": row.lead_time_days,
                "service_level": row.service_level,
                "model": row.model,
                "lead_time_demand": row.lead_time_demand,
            },
            actor=actor,
        )
    return 1


def forecast_follow_set(*, sku: str, follow: bool, actor: Actor) -> Forecast:
    """Let the SKU's reorder policy follow its forecast (``True``: "auto", applied at the next
    forecast run) or keep the owner's own values (``False``, the default)."""
    with transaction.atomic():
        row = selectors.forecast_get(series=f"sku:{sku}")
        if row.follow != follow:
            row.follow = follow
            row.save(update_fields=["follow", "updated_at"])
            event_emit(
                type="analytics.forecast_follow_changed",
                subject=row,
                payload={"sku": sku, "follow": follow},
                actor=actor,
            )
    return row


# --- anomalies ----------------------------------------------------------------------------


def _explain(finding: anomalies.Finding, day: date) -> str:
    """For flows and emails (data, in English): "orders_placed 23 vs usually 61-88 on a
    Tuesday"."""
    return (
        f"{finding.metric} {finding.value:g} vs usually {finding.expected_low:g}-"
        f"{finding.expected_high:g} on a {day.strftime('%A')}"
    )


def anomalies_detect(*, actor: Actor, day: date | None = None) -> list[Anomaly]:
    """Score ``day`` (default yesterday, the last whole day) against the same weekday of the
    five weeks before, leaving out days that had an anomaly; record each new anomaly with an
    ``analytics.anomaly_detected`` event. Running it again for the same day records nothing
    new."""
    day = day or _today(shop_zone()) - timedelta(days=1)
    since = day - timedelta(weeks=anomalies.WEEKS)
    values = {
        row["day"]: row
        for row in selectors.daily_facts_list(since=since, until=day).values(
            "day", *anomalies.METRICS
        )
    }
    # Days with an anomaly (marked expected or not) are no baseline for the days after.
    skip = set(Anomaly.objects.filter(day__gte=since, day__lt=day).values_list("day", flat=True))
    found = anomalies.score_day(day, values, skip)
    recorded = []
    with transaction.atomic():
        known = set(Anomaly.objects.filter(day=day).values_list("metric", flat=True))
        for finding in found:
            if finding.metric in known:
                continue
            row = Anomaly.objects.create(
                day=day,
                metric=finding.metric,
                value=finding.value,
                expected_low=finding.expected_low,
                expected_high=finding.expected_high,
                z=finding.z,
                direction=finding.direction,
            )
            event_emit(
                type="analytics.anomaly_detected",
                subject=row,
                payload={
                    "day": day.isoformat(),
                    "metric": finding.metric,
                    "value": finding.value,
                    "expected_low": finding.expected_low,
                    "expected_high": finding.expected_high,
                    "direction": finding.direction,
                    "z": round(finding.z, 2),
                    "explanation": _explain(finding, day),
                },
                actor=actor,
            )
            recorded.append(row)
    return recorded


def anomaly_mark_expected(*, anomaly_id: int, actor: Actor) -> Anomaly:
    """The owner says the day was expected (a holiday, a promotion): it is no alarm, and the
    day stays out of the history later days are scored against."""
    with transaction.atomic():
        row = Anomaly.objects.select_for_update().filter(pk=anomaly_id).first()
        if row is None:
            raise NotFound("no_anomaly", f"no anomaly {anomaly_id}")
        if not row.expected:
            row.expected = True
            row.save(update_fields=["expected", "updated_at"])
            event_emit(
                type="analytics.anomaly_marked_expected",
                subject=row,
                payload={"day": row.day.isoformat(), "metric": row.metric},
                actor=actor,
            )
    return row
