"""Reads of the analytics app: the daily facts, and one SKU's gap-free daily series."""

from datetime import date, timedelta

from django.db.models import QuerySet

from soloops.analytics.models import DailyFact, SkuDailyFact


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


def kpi_report(*, days: int = 28, until: date | None = None):
    """The Insights KPIs with their intervals (``soloops.analytics.kpis``)."""
    from soloops.analytics.kpis import kpi_report as report

    return report(days=days, until=until)
