"""Deterministic daily demand with known structure, for tests and benches of the forecasts:
a trend, weekly and yearly seasonality (smooth, or with a peak season), promotions, Poisson
noise; or intermittent demand.
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


def peak_season_series(
    days: int, *, level: float = 40.0, seed: int = 1, last_day_of_year: int = 335
) -> np.ndarray:
    """Demand whose year has a shape two harmonics cannot draw: a three-week peak season
    (about twice the usual demand around day 345 of the year, a Christmas run-up), a quiet
    January and a short summer bump; a weekly rhythm, a slow trend, Poisson noise. The last
    day is ``last_day_of_year`` (0 = 1 January)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    day_of_year = (t - (days - 1) + last_day_of_year) % 365.25

    def bump(centre: float, width: float) -> np.ndarray:
        apart = (day_of_year - centre + 182.625) % 365.25 - 182.625
        return np.exp(-0.5 * (apart / width) ** 2)

    yearly = 1 + 1.0 * bump(345, 14) - 0.35 * bump(20, 12) + 0.3 * bump(160, 10)
    rate = level * (1 + 0.0004 * t) * WEEKLY[t % 7] * yearly
    return rng.poisson(rate).astype(float)


def intermittent_series(days: int, *, rate: float = 0.15, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sold = rng.random(days) < rate
    return np.where(sold, rng.integers(1, 4, size=days), 0).astype(float)
