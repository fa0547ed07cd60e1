"""``soloops analytics backtest``: how good would the forecast have been? Fit on the history up
to a day, forecast the next H days, and compare with what happened: MASE (scaled by the
in-sample seasonal-naive error, season 7) of the chosen model, seasonal naive and naive.

Only whole days count: the history ends yesterday (the shop's time zone), as the nightly
forecast's does. Today's facts are a partial day (its orders so far): scored as an actual, it
would count the hours still to come as the forecast's error, and the default window would end
on a day no forecast is ever made for."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from soloops.analytics import selectors
from soloops.analytics.forecasting import SEASON, fit_naive, fit_seasonal_naive, forecast, mase
from soloops.analytics.services.facts import shop_today
from soloops.errors import InvalidInput
from soloops.shop.selectors import shop_zone

MIN_HISTORY = 2 * SEASON


@dataclass(frozen=True)
class Backtest:
    series: str
    until: date  # the last day the models saw
    horizon: int
    model: str
    reason: str
    mase: dict[str, float]  # "chosen", "seasonal_naive", "naive"
    rows: list[tuple[date, float, float, float, float]]  # day, actual, forecast, lo95, hi95


def backtest_run(*, series: str, horizon: int, until: date | None = None) -> Backtest:
    if horizon < 1:
        raise InvalidInput("invalid_horizon", "the horizon must be at least 1 day", field="horizon")
    yesterday = shop_today(shop_zone()) - timedelta(days=1)  # the last whole day
    first, values = selectors.series_values(series=series, until=yesterday)
    y = np.asarray(values, dtype=float)
    if first is None:
        raise InvalidInput("no_history", "there are no daily facts yet", field="series")
    end = len(y) - horizon if until is None else (until - first).days + 1
    if until is not None and not 0 < end <= len(y):
        raise InvalidInput("invalid_until", "until must be a day of the history", field="until")
    if end < MIN_HISTORY or end + horizon > len(y):
        raise InvalidInput(
            "horizon_too_long",
            f"a horizon of {horizon} days needs {horizon + MIN_HISTORY} days of history up to "
            f"yesterday (the last whole day); there are {len(y)}",
            field="horizon",
        )
    history, actual = y[:end], y[end : end + horizon]
    chosen = forecast(history, horizon, shop_total=series in selectors.SHOP_SERIES)
    lo95, hi95 = chosen.bounds(0.95)
    scores = {
        "chosen": mase(actual, chosen.mean, history),
        "seasonal_naive": mase(actual, fit_seasonal_naive(history, horizon).mean, history),
        "naive": mase(actual, fit_naive(history, horizon).mean, history),
    }
    last = first + timedelta(days=end - 1)
    rows = [
        (
            last + timedelta(days=i + 1),
            float(actual[i]),
            float(chosen.mean[i]),
            float(lo95[i]),
            float(hi95[i]),
        )
        for i in range(horizon)
    ]
    return Backtest(series, last, horizon, chosen.model, chosen.reason, scores, rows)
