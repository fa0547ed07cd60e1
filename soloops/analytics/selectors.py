"""Reads of the analytics app: the daily facts, the gap-free series forecasts read, the KPIs and
the stored forecasts."""

from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Max, QuerySet

from soloops.analytics.models import (
    Anomaly,
    DailyFact,
    Forecast,
    NightlyRun,
    PriceSuggestion,
    SkuDailyFact,
)
from soloops.errors import InvalidInput, NotFound


def daily_facts_list(*, since: date | None = None, until: date | None = None) -> QuerySet:
    """The shop's daily facts, oldest first, optionally within [since, until]."""
    facts = DailyFact.objects.all()
    if since is not None:
        facts = facts.filter(day__gte=since)
    if until is not None:
        facts = facts.filter(day__lte=until)
    return facts.order_by("day")


def sku_daily_series(*, sku: str, since: date, until: date) -> list[tuple[date, int]]:
    """(day, units) of one SKU for every day of [since, until], zero where it did not sell:
    the gap-free series a forecast needs, from the sparse table (one query)."""
    sold = dict(
        SkuDailyFact.objects.filter(sku=sku, day__gte=since, day__lte=until).values_list(
            "day", "units"
        )
    )
    return [
        (since + timedelta(days=i), sold.get(since + timedelta(days=i), 0))
        for i in range((until - since).days + 1)
    ]


KPI_CACHE_SECONDS = 300


def kpi_report(*, days: int = 28, until: date | None = None):
    """The Insights KPIs with their intervals (``soloops.analytics.kpis``), cached for up to
    five minutes and recomputed as soon as a daily fact changes (every order event changes
    one): the page costs one query while the shop is quiet."""
    from soloops.analytics.kpis import kpi_report as report

    stamp = DailyFact.objects.aggregate(at=Max("updated_at"))["at"]
    key = f"analytics:kpis:{days}:{until}:{stamp.timestamp() if stamp else 0}"
    found = cache.get(key)
    if found is None:
        found = report(days=days, until=until)
        cache.set(key, found, KPI_CACHE_SECONDS)
    return found


SHOP_SERIES = {"shop.units": "units", "shop.revenue": "revenue"}


def series_values(*, series: str, until: date | None = None) -> tuple[date | None, list[float]]:
    """(first day, daily values) of ``shop.units``, ``shop.revenue`` or ``sku:<SKU>``, from
    the shop's first day to ``until`` (default: its last day), gap-free. Raises
    ``InvalidInput`` naming ``series`` for any other name."""
    facts = daily_facts_list(until=until)
    if series in SHOP_SERIES:
        rows = list(facts.values_list("day", SHOP_SERIES[series]))
        return (rows[0][0] if rows else None), [float(v) for _d, v in rows]
    if series.startswith("sku:") and len(series) > 4:
        days = list(facts.values_list("day", flat=True))
        if not days:
            return None, []
        sold = sku_daily_series(sku=series[4:], since=days[0], until=days[-1])
        return days[0], [float(units) for _d, units in sold]
    raise InvalidInput(
        "unknown_series",
        "series must be shop.units, shop.revenue or sku:<SKU>",
        field="series",
    )


def forecast_get(*, series: str):
    """The stored forecast of a series (NotFound naming it when there is none)."""
    found = Forecast.objects.filter(series=series).first()
    if found is None:
        raise NotFound("no_forecast", f"no forecast for {series!r} yet", field="series")
    return found


def forecasts_list():
    return Forecast.objects.order_by("series")


def sku_sales_rows(*, skus: list[str], since: date, until: date) -> list[tuple[str, date, int]]:
    """(sku, day, units) of every day the given SKUs sold in [since, until] (one query)."""
    return list(
        SkuDailyFact.objects.filter(sku__in=skus, day__gte=since, day__lte=until)
        .values_list("sku", "day", "units")
        .order_by()
    )


def anomalies_list(*, open_only: bool = False):
    """Anomalies, newest day first; ``open_only``: not marked expected (anomaly_open_idx)."""
    found = Anomaly.objects.all()
    if open_only:
        found = found.filter(expected=False)
    return found.order_by("-day", "metric")


def sku_price_rows(
    *, skus: list[str], since: date, until: date
) -> list[tuple[str, date, int, object]]:
    """(sku, day, units, revenue) of every day the given SKUs sold in [since, until] (one
    query): the price history the elasticity is estimated from."""
    return list(
        SkuDailyFact.objects.filter(sku__in=skus, day__gte=since, day__lte=until)
        .values_list("sku", "day", "units", "revenue")
        .order_by()
    )


def price_suggestions_list(*, status: str | None = None) -> QuerySet:
    """Price suggestions by status, then SKU; optionally of one status
    (price_suggestion_status_idx)."""
    found = PriceSuggestion.objects.all()
    if status is not None:
        found = found.filter(status=status)
    return found.order_by("status", "sku", "-created_at")


def price_suggestions_waiting(*, limit: int) -> list:
    """The suggestions waiting for the owner, oldest first (the Decisions queue; one query)."""
    return list(
        PriceSuggestion.objects.filter(status="waiting").order_by("created_at", "id")[:limit]
    )


def price_suggestion_get(*, suggestion_id: int) -> PriceSuggestion:
    found = PriceSuggestion.objects.filter(pk=suggestion_id).first()
    if found is None:
        raise NotFound("no_price_suggestion", f"no price suggestion {suggestion_id}")
    return found


def nightly_runs_list() -> QuerySet:
    """The nightly insights runs, newest shop day first (its unique index)."""
    return NightlyRun.objects.order_by("-day")
