"""Lifetime value: BG/NBD for how many more orders a customer places (and whether they are
still a customer at all), Gamma-Gamma for how much each order is worth.

Implemented here on scipy.optimize rather than with ``lifetimes`` (unmaintained since 2020,
broken on current pandas) or ``pymc-marketing`` (pulls in PyMC and PyTensor: far heavier than
two small likelihoods). The formulas are Fader, Hardie & Lee, "Counting your customers the easy
way" (2005) and "RFM and CLV" (2005). Pure NumPy: the service feeds it arrays, the bench and
tests generate them.

Per customer: ``x`` repeat purchases (orders after the first), ``t_x`` the time of the last
one and ``T`` the time since the first, both in days from the first order; ``m`` the mean
order value.
"""

from dataclasses import dataclass

import numpy as np

# SciPy is imported where it is used: the worker and web processes load this module at start
# and most of them never fit a model (SciPy costs about a second of every process start).


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float


def _bgnbd_nll(log_params, x, t_x, T) -> float:
    from scipy.special import gammaln

    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.full_like(a3, -np.inf)
    a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return -float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def bgnbd_fit(x, t_x, T) -> BgNbd:
    """Maximum likelihood; parameters on a log scale so they stay positive."""
    from scipy.optimize import minimize

    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    scale = max(float(np.mean(T)), 1.0)
    start = np.log([0.5, scale / 10, 1.0, 2.0])
    result = minimize(
        _bgnbd_nll, start, args=(x, t_x, T), method="L-BFGS-B", bounds=[(-12, 12)] * 4
    )
    return BgNbd(*np.exp(result.x))


def p_alive(model: BgNbd, x, t_x, T) -> np.ndarray:
    """Probability the customer has not quietly left (1 for one who never came back: BG/NBD
    lets a customer drop out only right after a purchase)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    odds = np.where(
        x > 0, a / np.maximum(b + x - 1, 1e-12) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0
    )
    return 1.0 / (1.0 + odds)


def expected_purchases(model: BgNbd, t: float, x, t_x, T) -> np.ndarray:
    """Expected orders in the next ``t`` days, given the customer's history."""
    from scipy.special import hyp2f1

    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if abs(a - 1) < 1e-9:  # the closed form divides by a - 1; it holds on either side of 1
        a = 1 + 1e-9
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return head * tail * p_alive(model, x, t_x, T)


def _gg_nll(log_params, x, m) -> float:
    from scipy.special import gammaln

    p, q, v = np.exp(log_params)
    ll = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )
    return -float(np.sum(ll))


def gamma_gamma_fit(x, m) -> GammaGamma:
    """Fit on customers with at least one order and a positive mean value (x = their orders)."""
    from scipy.optimize import minimize

    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    start = np.log([1.0, 2.0, max(float(np.mean(m[keep])), 1.0)])
    result = minimize(
        _gg_nll, start, args=(x[keep], m[keep]), method="L-BFGS-B", bounds=[(-12, 12)] * 3
    )
    return GammaGamma(*np.exp(result.x))


def expected_order_value(model: GammaGamma, x, m) -> np.ndarray:
    """A customer's expected value per order: their own mean, shrunk towards the shop's the
    fewer orders they have (the population mean when q <= 1 is unbounded: their own mean)."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    p, q, v = model.p, model.q, model.v
    if q <= 1:
        return m
    return p * (v + x * m) / (p * x + q - 1)


# --- the shop's seasons: a clock that runs faster in busy weeks ---------------------------
# BG/NBD assumes each customer keeps one pace all year. A shop's customers do not: they order
# more before Christmas and less in January, so a fit that ends after a busy season takes the
# recent buyers' fast pace for their usual one (+18 % on the demo from 2026-01-07), and a
# holdout that holds the busy season is under-predicted (-22 % from 2026-09-01). Measuring
# time on a clock that runs with the shop's seasonal index (the standard time change for a
# Poisson process with a known seasonal rate) makes the pace constant again; the days ahead
# are counted on the same clock, with last year's index.

YEAR_DAYS = 364  # the same weekday a year before
SEASON_SMOOTH_DAYS = 28


def seasonal_index(daily) -> np.ndarray | None:
    """Per day of ``daily`` (orders per day, oldest first): how busy the shop was relative to
    its straight-line trend (growth is more customers, not a faster pace), a 4-week centred
    mean, scaled to a mean of 1. None with under a year of days (no season to learn)."""
    y = np.asarray(daily, dtype=float)
    if len(y) < YEAR_DAYS or y.sum() <= 0:
        return None
    kernel = np.ones(SEASON_SMOOTH_DAYS)
    # the mean of the days within reach (the window is cut at both ends of the history)
    smooth = np.convolve(y, kernel, mode="same") / np.convolve(np.ones(len(y)), kernel, "same")
    t = np.arange(len(y), dtype=float)
    design = np.column_stack([np.ones(len(y)), t])
    trend = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    index = smooth / np.maximum(trend, 1e-9 + 0.05 * y.mean())
    return index / index.mean()


def seasonal_clock(index: np.ndarray | None, days) -> np.ndarray:
    """Times ``days`` (from the index's first day) on the seasonal clock: each day lasts its
    index; outside the index's days the clock runs at 1. The identity when ``index`` is None."""
    days = np.asarray(days, dtype=float)
    if index is None:
        return days
    n = len(index)
    elapsed = np.concatenate(([0.0], np.cumsum(index)))
    inside = np.clip(days, 0, n)
    whole = np.minimum(np.floor(inside).astype(np.int64), n - 1)
    clock = elapsed[whole] + (inside - whole) * index[whole]
    return clock + np.minimum(days, 0) + np.maximum(days - n, 0)


def seasonal_horizon(index: np.ndarray | None, start: float, length: float) -> float:
    """How long the ``length`` days from day ``start`` (on the index's days; the history ends
    there) last on the seasonal clock, each day as long as the same day a year before."""
    if index is None:
        return float(length)
    days = np.arange(int(np.floor(start)), int(np.ceil(start + length)))
    weights = np.ones(len(days))
    known = (days - YEAR_DAYS >= 0) & (days - YEAR_DAYS < len(index))
    weights[known] = index[days[known] - YEAR_DAYS]
    overlap = np.minimum(days + 1, start + length) - np.maximum(days, start)
    return float(np.sum(weights * np.clip(overlap, 0.0, 1.0)))


def simulate(model: BgNbd, n: int, span: float, seed: int = 1):
    """A history drawn from the model (for tests and the bench): each customer's first order
    at a uniform time in [0, span); returns arrays of every order time and the customer's
    index, until ``span``. Times in days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(model.r, 1 / model.alpha, n)
    p = rng.beta(model.a, model.b, n)
    first = rng.uniform(0, span * 0.8, n)
    who, when = [], []
    for i in range(n):
        t = first[i]
        who.append(i)
        when.append(t)
        while True:
            t += rng.exponential(1 / lam[i]) if lam[i] > 0 else np.inf
            if t >= span:
                break
            who.append(i)
            when.append(t)
            if rng.random() < p[i]:
                break
    return np.asarray(who), np.asarray(when)


def summarise(who, when, until: float, n: int):
    """Per customer (by index, 0..n-1): x, t_x, T at ``until`` from orders before it, and how
    many orders each placed after it (the holdout). Customers with no order before are left
    out (``known`` mask)."""
    who, when = np.asarray(who), np.asarray(when)
    before = when < until
    first = np.full(n, np.inf)
    np.minimum.at(first, who[before], when[before])
    last = np.full(n, -np.inf)
    np.maximum.at(last, who[before], when[before])
    count = np.bincount(who[before], minlength=n)
    after = np.bincount(who[~before], minlength=n)
    known = count > 0
    x = (count - 1)[known]
    t_x = (last - first)[known]
    T = (until - first)[known]
    return x, t_x, T, after[known], known
