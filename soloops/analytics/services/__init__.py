"""Writes of the analytics app, one module per topic: the daily facts (``facts``), forecasts
and reorder points (``forecasts``), anomalies (``anomalies``), the nightly run (``nightly``)
and price suggestions (``prices``). Callers import from here."""

from soloops.analytics.services.anomalies import anomalies_detect, anomaly_mark_expected
from soloops.analytics.services.facts import (
    daily_facts_rebuild,
    daily_facts_refresh,
    dirty_days_mark,
    dirty_days_refresh,
    dirty_days_refresh_overdue,
    facts_refresh_started,
    shop_today,
)
from soloops.analytics.services.forecasts import (
    ForecastRun,
    forecast_follow_set,
    forecasts_refresh,
)
from soloops.analytics.services.nightly import nightly_due, nightly_run
from soloops.analytics.services.prices import price_suggestion_decide, price_suggestions_refresh

__all__ = [
    "ForecastRun",
    "anomalies_detect",
    "anomaly_mark_expected",
    "daily_facts_rebuild",
    "daily_facts_refresh",
    "dirty_days_mark",
    "dirty_days_refresh",
    "dirty_days_refresh_overdue",
    "facts_refresh_started",
    "forecast_follow_set",
    "forecasts_refresh",
    "nightly_due",
    "nightly_run",
    "price_suggestion_decide",
    "price_suggestions_refresh",
    "shop_today",
]
