"""The nightly forecast run: every series forecast, every supplied SKU's reorder advice, and
the reorder policies the owner lets follow the forecast updated through purchasing's service.

Called by ``services.forecasts_refresh`` (the only writer); split out because it is the one
place that turns arrays into rows.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from soloops.analytics.forecasting import Forecast as Fitted
from soloops.analytics.forecasting import forecast
from soloops.analytics.reorder import REVIEW_DAYS, ReorderAdvice, reorder_advice

HORIZON = 90
DEFAULT_LEAD_TIME = 7


@dataclass
class SeriesResult:
    series: str
    sku: str
    fitted: Fitted
    history_days: int
    advice: ReorderAdvice | None = None


def points(fitted: Fitted) -> list[list[float]]:
    """[mean, lo80, hi80, lo95, hi95] per day, rounded to 3 places (JSON stays small)."""
    lo80, hi80 = fitted.bounds(0.80)
    lo95, hi95 = fitted.bounds(0.95)
    table = np.column_stack([fitted.mean, lo80, hi80, lo95, hi95])
    return np.round(np.maximum(table, 0.0), 3).tolist()


def sku_arrays(rows, skus: list[str], first: date, days: int) -> dict[str, np.ndarray]:
    arrays = {sku: np.zeros(days) for sku in skus}
    for sku, day, units in rows:
        arrays[sku][(day - first).days] = units
    return arrays


def run_series(
    *, series: str, sku: str, values: np.ndarray, lead_time: int | None, service_level: float
) -> SeriesResult:
    horizon = max(HORIZON, (lead_time or 0) + REVIEW_DAYS)
    fitted = forecast(values, horizon, shop_total=not sku)  # the shop's series have no SKU
    result = SeriesResult(series=series, sku=sku, fitted=fitted, history_days=len(values))
    if lead_time is not None:
        result.advice = reorder_advice(
            mean=fitted.mean,
            sigma=fitted.sigma,
            lead_time_days=lead_time or DEFAULT_LEAD_TIME,
            service_level=service_level,
        )
    return result


def first_forecast_day(last_history_day: date) -> date:
    return last_history_day + timedelta(days=1)
