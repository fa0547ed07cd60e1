"""Forecasts and reorder points: the nightly forecast run, and the owner's choice to let a
reorder policy follow its forecast."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.analytics import forecast_runs, selectors
from soloops.analytics.models import Forecast
from soloops.analytics.reorder import check_service_level
from soloops.analytics.services.facts import shop_today
from soloops.events.services import event_emit
from soloops.purchasing.selectors import positions
from soloops.purchasing.services import reorder_policy_set
from soloops.shop.selectors import shop_zone


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


PROGRESS_EVERY = 100  # series between two progress reports


def forecasts_refresh(
    *,
    actor: Actor,
    service_level: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastRun:
    """Forecast the shop's units and revenue and every SKU a supplier sells us from the daily
    facts up to yesterday; store each with its reorder advice at ``service_level`` (default
    ``settings.SERVICE_LEVEL``); then update the reorder policies the owner set to follow
    their forecast (``forecast_follow_set``), each with an ``analytics.reorder_point_changed``
    event. Policies not following keep the owner's values: the forecast is a suggestion.
    ``progress(done, total)`` is called every hundred series (the nightly run shows it)."""
    level = check_service_level(settings.SERVICE_LEVEL if service_level is None else service_level)
    zone = shop_zone()
    until = shop_today(zone) - timedelta(days=1)
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
    total = len(results) + len(supplied)
    for i, (sku, position) in enumerate(supplied.items()):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(len(results), total)
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
    if progress is not None:
        progress(total, total)
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
