"""Forecast speed and accuracy on generated demand (deterministic; nothing downloaded).

Speed: ``--skus`` SKUs (default 1,000 and 10,000) with two years of daily history, a fifth of
them regular sellers (model choice by rolling-origin backtest; at about 11 units a day each is
high-volume, so each also tries the yearly ensemble: the worst case of that tier) and the rest
intermittent (Croston, no model choice): SKUs per second per tier and overall, and the
process's peak memory. Accuracy: on five generated shop series (trend, weekly and yearly
seasonality, promotions), MASE and WAPE at H = 28 and 84 of the chosen model, seasonal naive
and naive. It prints figures and asserts nothing. Usage:

    .venv/bin/python bench/forecast.py [--skus 1000 10000] [--days 730]
"""

import argparse
import resource
import time

import numpy as np

from soloops.analytics.forecasting import MODELS, forecast, mase
from soloops.analytics.reorder import reorder_advice
from soloops.analytics.synthetic import intermittent_series, regular_series


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.abs(actual - predicted).sum() / max(actual.sum(), 1e-9))


def speed(skus: int, days: int) -> None:
    regular = skus // 5
    series = [regular_series(days, level=8, seed=i) for i in range(regular)] + [
        intermittent_series(days, rate=0.1, seed=i) for i in range(skus - regular)
    ]
    timings: dict[str, list[float]] = {}
    started = time.perf_counter()
    for y in series:
        t = time.perf_counter()
        result = forecast(y, 90)
        reorder_advice(mean=result.mean, sigma=result.sigma, lead_time_days=7, service_level=0.95)
        timings.setdefault(result.tier, []).append(time.perf_counter() - t)
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tiers = ", ".join(
        f"{tier} {len(ts):,} at {len(ts) / sum(ts):,.0f}/s" for tier, ts in timings.items()
    )
    print(
        f"{skus:>6,} SKUs x {days} days: {total:6.1f} s, {skus / total:,.0f} SKUs/s "
        f"({tiers}); peak memory {peak_mb:,.0f} MB"
    )


def accuracy(days: int) -> None:
    print("horizon  model            MASE    WAPE   (mean over 5 generated shop series)")
    for horizon in (28, 84):
        scores: dict[str, list[tuple[float, float]]] = {
            "chosen": [],
            "seasonal_naive": [],
            "naive": [],
        }
        for seed in range(1, 6):
            y = regular_series(days, level=60, seed=100 + seed)
            history, actual = y[:-horizon], y[-horizon:]
            predictions = {
                "chosen": forecast(history, horizon, shop_total=True).mean,
                "seasonal_naive": MODELS["seasonal_naive"](history, horizon).mean,
                "naive": MODELS["naive"](history, horizon).mean,
            }
            for name, predicted in predictions.items():
                scores[name].append((mase(actual, predicted, history), wape(actual, predicted)))
        floor = np.mean([m for m, _w in scores["seasonal_naive"]])
        for name, values in scores.items():
            m, w = np.mean(values, axis=0)
            print(
                f"{horizon:>7}  {name:<15} {m:6.3f}  {w:6.3f}   "
                f"({(1 - m / floor):+.0%} vs seasonal naive)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()
    accuracy(args.days)
    for skus in args.skus:
        speed(skus, args.days)


if __name__ == "__main__":
    main()
