"""Deterministic daily demand with known structure, for tests and benches of the forecasts:
a trend, weekly and yearly seasonality, promotions, Poisson noise; or intermittent demand.
Generated from a seed, so nothing is downloaded and every run sees the same series."""

import numpy as np

WEEKLY = np.array([0.8, 0.85, 0.9, 1.0, 1.15, 1.4, 1.2])  # Monday … Sunday, relative


def regular_series(days: int, *, level: float = 40.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    trend = 1 + 0.0006 * t
    yearly = 1 + 0.25 * np.sin(2 * np.pi * (t - 80) / 365.25)
    promo = np.ones(days)
    for start in rng.choice(days - 3, size=max(1, days // 60), replace=False):
        promo[start : start + 3] = 1.8
    rate = level * trend * WEEKLY[t % 7] * yearly * promo
    return rng.poisson(rate).astype(float)


def intermittent_series(days: int, *, rate: float = 0.15, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sold = rng.random(days) < rate
    return np.where(sold, rng.integers(1, 4, size=days), 0).astype(float)
