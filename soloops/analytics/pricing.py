"""Own-price elasticity from a SKU's sales history, and the price within a bounded change
that raises its expected gross margin — or the plain statement that the history cannot say.

Elasticity: ordinary least squares of log(units) on log(price) on the days the SKU sold,
with the weekday (six dummies) and the yearly season (one harmonic pair, with more than
half a year of history) as controls, so a promotion on a busy Saturday in December is not
read as the price working. Its 95 % interval is the t-interval of the slope.

A price is suggested only when the estimate is usable (enough days, enough distinct prices,
a negative elasticity whose interval stays below zero): gross margin per day at price p is
(p - cost) · q₀ · (p / p₀)^e; the best p in [p₀ · (1 - MAX_CHANGE), p₀ · (1 + MAX_CHANGE)]
is found on a 1 % grid, and the expected change is given at the estimate and at both ends
of its interval. Nothing here invents a number: every refusal says why.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import scipy  # its submodules load on first use: a process that never fits a model skips them

MIN_SALE_DAYS = 56  # days with sales the regression needs
MIN_PRICES = 2  # distinct prices (rounded to a cent), each on MIN_DAYS_PER_PRICE days
MIN_DAYS_PER_PRICE = 7
MIN_LOG_PRICE_SPREAD = 0.02  # the standard deviation of log(price): about 2 %
MAX_CHANGE = 0.10  # a suggestion moves the price by at most 10 %
MIN_GAIN = 0.01  # a suggestion must raise the expected margin by at least 1 %
YEARLY_DAYS = 182


@dataclass(frozen=True)
class Elasticity:
    value: float | None  # the estimate, or None when the history cannot say
    low: float | None  # the 95 % interval
    high: float | None
    days: int  # the days with sales used
    prices: int  # the distinct prices seen
    reason: str  # why there is no estimate, or "" (English; shown as data)


@dataclass(frozen=True)
class Suggestion:
    price: Decimal  # the suggested price
    effect: float  # the expected change of gross margin per day (0.05 = +5 %)
    effect_low: float  # that change at the ends of the elasticity's interval
    effect_high: float


def _controls(days: np.ndarray) -> list[np.ndarray]:
    columns = [(days % 7 == k).astype(float) for k in range(1, 7)]
    if days.max() - days.min() >= YEARLY_DAYS:
        angle = 2 * np.pi * days / 365.25
        columns += [np.sin(angle), np.cos(angle)]
    return columns


def _refusal(reason: str, days: int, prices: int) -> Elasticity:
    return Elasticity(None, None, None, days, prices, reason)


def elasticity(units, revenue) -> Elasticity:
    """The own-price elasticity from daily ``units`` and ``revenue`` (gap-free, oldest first;
    the day's price is revenue ÷ units)."""
    units, revenue = np.asarray(units, dtype=float), np.asarray(revenue, dtype=float)
    sold = np.flatnonzero(units > 0)
    price = np.round(revenue[sold] / units[sold], 2)
    values, counts = np.unique(price, return_counts=True)
    distinct = int(np.sum(counts >= MIN_DAYS_PER_PRICE))
    if len(sold) < MIN_SALE_DAYS:
        return _refusal(
            f"not enough price history: {len(sold)} days with sales (needs {MIN_SALE_DAYS})",
            len(sold),
            len(values),
        )
    log_price = np.log(np.maximum(price, 0.01))
    if distinct < MIN_PRICES or float(np.std(log_price)) < MIN_LOG_PRICE_SPREAD:
        return _refusal(
            f"not enough price history: {distinct} price(s) held for a week or more",
            len(sold),
            len(values),
        )
    x = np.column_stack([np.ones(len(sold)), log_price, *_controls(sold.astype(float))])
    y = np.log(units[sold])
    beta, _res, rank, _sv = np.linalg.lstsq(x, y, rcond=None)
    dof = len(sold) - rank
    if rank < x.shape[1] or dof < 10:
        return _refusal("not enough price history: prices move with the season", len(sold), 0)
    residuals = y - x @ beta
    sigma2 = float(residuals @ residuals) / dof
    se = math.sqrt(sigma2 * float(np.linalg.inv(x.T @ x)[1, 1]))
    t = float(scipy.stats.t.ppf(0.975, dof))
    e = float(beta[1])
    return Elasticity(e, e - t * se, e + t * se, len(sold), len(values), "")


def _margin(p: np.ndarray | float, p0: float, cost: float, e: float):
    return (p - cost) * (p / p0) ** e


def suggest(*, estimate: Elasticity, price: Decimal, cost: Decimal) -> Suggestion | None:
    """The price within ±10 % that raises the expected gross margin most, or None when the
    estimate is unusable (none, not negative, or its interval reaches zero) or no price in
    the range gains at least 1 %."""
    if estimate.value is None or estimate.high is None or estimate.high >= 0:
        return None
    p0, c = float(price), float(cost)
    if p0 <= 0 or p0 <= c:
        return None
    grid = p0 * (1 + np.linspace(-MAX_CHANGE, MAX_CHANGE, 21))
    base = _margin(p0, p0, c, estimate.value)
    gains = _margin(grid, p0, c, estimate.value) / base - 1
    best = int(np.argmax(gains))
    if gains[best] < MIN_GAIN:
        return None
    p = float(grid[best])
    ends = [_margin(p, p0, c, e) / _margin(p0, p0, c, e) - 1 for e in (estimate.low, estimate.high)]
    return Suggestion(
        price=Decimal(str(p)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        effect=float(gains[best]),
        effect_low=min(ends),
        effect_high=max(ends),
    )
