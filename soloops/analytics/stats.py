"""The intervals the Insights figures carry (95 % unless said), each the textbook one:

- a proportion: the Wilson score interval (right at 0 of n and n of n, where the normal
  approximation gives an empty or impossible interval);
- a mean: Student's t-interval;
- a median: the distribution-free order-statistic interval (the binomial(n, ½) quantiles pick
  which sorted values bound it), so skewed times (a few orders waiting weeks) need no normal
  assumption and no random resampling;
- a sum of the next k days: the t prediction interval of a total of k new days.
"""

import math
from dataclasses import dataclass

import numpy as np
import scipy  # its submodules load on first use: a process that never fits a model skips them

LEVEL = 0.95


def _squares_sum(values: list[float], mean: float) -> float:
    """The sum of squared deviations from ``mean``: the deviations and their squares in
    NumPy (a year's order timings are tens of thousands of values), the sum by Python's
    ``sum`` over them in the same order, so the figure is the same to the last bit as the
    generator it replaces, at a tenth of the time."""
    deviations = np.asarray(values, dtype=float) - mean
    return sum((deviations * deviations).tolist())


@dataclass(frozen=True)
class Estimate:
    value: float | None  # None: no data
    low: float | None
    high: float | None
    n: int
    method: str  # "wilson", "t", "order_statistic", "t_prediction"

    def overlaps(self, other: "Estimate") -> bool:
        """Whether the two intervals share a value: a change is only flagged when not."""
        if None in (self.low, self.high, other.low, other.high):
            return True
        return self.low <= other.high and other.low <= self.high


def _none(n: int, method: str) -> Estimate:
    return Estimate(None, None, None, n, method)


def wilson(successes: int, n: int, level: float = LEVEL) -> Estimate:
    if n <= 0:
        return _none(0, "wilson")
    z = float(scipy.stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # at 0 of n and n of n the bound is exactly 0 or 1 (rounding would leave 0.9999…)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Estimate(p, float(low), float(high), n, "wilson")


def mean_t(values: list[float], level: float = LEVEL, floor: float | None = None) -> Estimate:
    """The mean with Student's t-interval; ``floor``: the least possible value (0 for
    durations and counts), where the interval is cut rather than run below it."""
    n = len(values)
    if n == 0:
        return _none(0, "t")
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, None, None, 1, "t")
    sd = math.sqrt(_squares_sum(values, mean) / (n - 1))
    half = float(scipy.stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    low = mean - half if floor is None else max(floor, mean - half)
    return Estimate(mean, low, mean + half, n, "t")


def median_order_statistic(values: list[float], level: float = LEVEL) -> Estimate:
    """The median with the interval [x(j), x(k)] of the sorted values, j and k the binomial
    quantiles; with fewer than 6 values no 95 % interval of this kind exists (None bounds)."""
    n = len(values)
    if n == 0:
        return _none(0, "order_statistic")
    middle = n // 2
    alpha = 1 - level
    j = int(scipy.stats.binom.ppf(alpha / 2, n, 0.5))  # x(j) with 1-based j, as in the textbooks
    k = n - j + 1
    # Only these ranks (0-based) are needed: a partial sort puts each where a full sort would,
    # in linear time (a year's order timings are tens of thousands of values).
    ranks = sorted({middle, max(middle - 1, 0), max(j - 1, 0), min(max(k - 1, 0), n - 1)})
    ordered = np.partition(np.asarray(values, dtype=float), ranks)
    median = float(ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2)
    if j < 1 or scipy.stats.binom.cdf(k - 1, n, 0.5) - scipy.stats.binom.cdf(j - 1, n, 0.5) < level:
        return Estimate(median, None, None, n, "order_statistic")
    return Estimate(median, float(ordered[j - 1]), float(ordered[k - 1]), n, "order_statistic")


def total_next_days(daily: list[float], days: int, level: float = LEVEL) -> Estimate:
    """The expected total of the next ``days`` days, with the t prediction interval for a sum
    of ``days`` new days (daily values independent, variance estimated): the uncertainty of
    the mean plus the days' own spread."""
    n = len(daily)
    if n < 2:
        return _none(n, "t_prediction")
    mean = sum(daily) / n
    sd = math.sqrt(_squares_sum(daily, mean) / (n - 1))
    half = float(scipy.stats.t.ppf(0.5 + level / 2, n - 1)) * sd * math.sqrt(days + days * days / n)
    total = mean * days
    return Estimate(total, max(0.0, total - half), total + half, n, "t_prediction")
