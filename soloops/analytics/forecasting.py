"""Daily demand forecasts, small and CPU-only (NumPy), chosen per series by backtest.

Why not statsforecast: its numba compilation costs tens of seconds at first use in every new
process (tests, the worker, the CLI), and it brings pandas; these few models cover what a small
shop needs and fit thousands of SKUs a second.

Models (``MODELS``):
- ``naive``: the last day repeated;
- ``seasonal_naive``: the same weekday last week (season 7): the floor every model must beat;
- ``weekday_smoothing``: simple exponential smoothing of the level, times a weekday profile
  (each weekday's share over the last sixteen weeks): weekly seasonality with a moving level;
- ``weekday_smoothing_yearly``: the same, its level moved along last year's course (only with
  more than a year of history);
- ``harmonic_regression``: log(1 + demand) regressed on a trend, the weekday and (with more
  than a year of history) two yearly harmonics, refitted without the outlying days
  (promotions) and back-transformed with a smearing factor: the level, the week and the year
  from all of the last two years at once, not from last week alone;
- ``ensemble``: the mean of the harmonic regression and weekday smoothing;
- ``yearly_ensemble``: the mean of weekday smoothing and the harmonic regression with six
  yearly harmonics (``yearly_harmonics``: the year's shape down to a few weeks, a December
  run-up and a quiet January, which two harmonics smear over the autumn); only for the shop's
  units and revenue and SKUs selling 10 or more a day, with a year and a half of history;
- ``croston_sba``: Croston's method with the Syntetos-Boylan correction, for intermittent
  demand (most days zero): smoothed size of a sale ÷ smoothed days between sales.

Tiers, so low-volume SKUs never pay for model selection:
- ``short``: under 28 days of history → the mean of the history, and the reason says so;
- ``intermittent``: more than half the days without sales → ``croston_sba``;
- ``regular``: rolling-origin cross-validation (3 origins a week apart, at the forecast's own
  horizon within 28..84 days) over seasonal naive, weekday smoothing (and its yearly variant
  with more than a year of history), the harmonic regression and the ensemble (and the
  yearly ensemble where it applies); the lowest mean MASE wins, unless the combination (the
  yearly ensemble where it is a candidate, else the ensemble) is within one standard error of
  it: then the combination (the one-standard-error rule). On a few folds a week apart the
  lowest mean is mostly noise between similar models, and a combination errs less far out
  than the single model that happened to fit the latest weeks best (over 20 origins on 20
  in-memory demo shops, always taking the yearly ensemble beat the plain minimum by 2-3
  points of MASE below seasonal naive).

MASE is scaled by the in-sample error of the seasonal-naive forecast (season 7). Prediction
intervals are normal around the forecast with the model's one-step residual spread, widened
with the horizon, and cut at zero (demand is never negative).
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy  # its submodules load on first use: a process that never fits a model skips them

SEASON = 7
SHORT_HISTORY = 28
INTERMITTENT_ZERO_SHARE = 0.5
CV_ORIGINS = 3
CV_HORIZON = 28  # the backtest horizon when the forecast's own is shorter
CV_HORIZON_MAX = 84
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5)
CROSTON_ALPHA = 0.1


@dataclass
class Fit:
    """A model fitted to a history: what it forecasts and how its errors grow."""

    model: str
    mean: np.ndarray  # the forecast, one value per day ahead
    sigma: np.ndarray  # the standard deviation of the error, per day ahead


def _sigma(residuals: np.ndarray, growth: np.ndarray) -> np.ndarray:
    residuals = residuals[np.isfinite(residuals)]
    base = float(np.std(residuals, ddof=1)) if len(residuals) > 1 else 0.0
    return base * growth


def fit_naive(y: np.ndarray, h: int) -> Fit:
    steps = np.arange(1, h + 1)
    return Fit("naive", np.full(h, y[-1], dtype=float), _sigma(np.diff(y), np.sqrt(steps)))


def fit_seasonal_naive(y: np.ndarray, h: int) -> Fit:
    if len(y) < SEASON:
        return fit_naive(y, h) if len(y) else Fit("seasonal_naive", np.zeros(h), np.zeros(h))
    last_week = y[-SEASON:]
    mean = np.array([last_week[i % SEASON] for i in range(h)], dtype=float)
    weeks = np.arange(h) // SEASON + 1
    return Fit("seasonal_naive", mean, _sigma(y[SEASON:] - y[:-SEASON], np.sqrt(weeks)))


def _weekday_profile(y: np.ndarray) -> np.ndarray:
    """``profile[k]``: the level of the days ``t`` with ``t % 7 == k`` relative to the mean,
    over the last sixteen weeks (1 = an average day)."""
    n = len(y)
    days = np.arange(max(0, n - 16 * SEASON), n)
    overall = y[days].mean()
    profile = np.ones(SEASON)
    if overall <= 0:
        return profile
    for k in range(SEASON):
        same = days[days % SEASON == k]
        if len(same):
            profile[k] = max(y[same].mean() / overall, 0.0)
    return profile


def fit_weekday_smoothing(y: np.ndarray, h: int) -> Fit:
    n = len(y)
    profile = _weekday_profile(y)
    factors = profile[np.arange(n) % SEASON]
    adjusted = np.where(factors > 1e-9, y / np.where(factors > 1e-9, factors, 1.0), y)
    best = None
    for alpha in ALPHAS:
        # level[t] = alpha * x[t] + (1 - alpha) * level[t-1], started at x[0] (a C loop)
        levels, _ = scipy.signal.lfilter(
            [alpha], [1.0, alpha - 1.0], adjusted[1:], zi=[(1 - alpha) * adjusted[0]]
        )
        previous = np.concatenate(([adjusted[0]], levels[:-1]))
        errors = adjusted[1:] - previous
        sse = float(np.abs(errors).sum())  # absolute: a promotion day must not pick alpha
        if best is None or sse < best[0]:
            best = (sse, alpha, float(levels[-1]), errors)
    _sse, alpha, level, errors = best
    ahead = profile[np.arange(n, n + h) % SEASON]
    steps = np.arange(1, h + 1)
    growth = np.sqrt(1 + (steps - 1) * alpha * alpha) * np.maximum(ahead, 1e-9)
    return Fit("weekday_smoothing", level * ahead, _sigma(errors, growth))


YEAR = 364  # 52 weeks: the same weekday a year ago
YEARLY_MIN_HISTORY = YEAR + 2 * 28


def fit_weekday_smoothing_yearly(y: np.ndarray, h: int) -> Fit:
    """Weekday smoothing, with the level moved along last year's course: each day ahead is
    scaled by how last year's 4-week mean around that day compared with last year's 4-week
    mean at the forecast origin (the yearly season and its promotions, seen once)."""
    base = fit_weekday_smoothing(y, h)
    n = len(y)
    if n < YEARLY_MIN_HISTORY:
        return Fit("weekday_smoothing_yearly", base.mean, base.sigma)
    kernel = np.ones(28) / 28
    smooth = np.convolve(y, kernel, mode="same")  # a centred 4-week mean
    origin = smooth[n - YEAR - 1]
    ahead = smooth[np.minimum(np.arange(n - YEAR, n - YEAR + h), n - 15)]
    ratio = np.clip(ahead / origin, 0.2, 5.0) if origin > 0 else np.ones(h)
    return Fit("weekday_smoothing_yearly", base.mean * ratio, base.sigma * ratio)


HARMONIC_WINDOW = 2 * YEAR  # the regression sees at most the last two years
HARMONIC_OUTLIER = 3.0  # residuals beyond this many robust sds (promotions) get no weight


def _design(t: np.ndarray, harmonics: int) -> np.ndarray:
    """Intercept, trend (per year), weekday dummies and ``harmonics`` yearly harmonics (a sine
    and a cosine each): the columns of the harmonic regression at days ``t``."""
    columns = [np.ones(len(t)), t / 365.25]
    columns += [(t % SEASON == k).astype(float) for k in range(1, SEASON)]
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * t / 365.25
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def _least_squares(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The least-squares coefficients by the normal equations: the design's columns (an
    intercept, a trend, weekday dummies, sines and cosines) are far from collinear (condition
    number about 11 for two years and six harmonics), and a small square solve is cheap where
    ``np.linalg.lstsq`` (an SVD, multithreaded) took 0.8-7 ms per six-harmonic fit on the
    shared 2-core machine (the more loaded, the slower), against 0.4-0.7 ms this way. A design
    left without one weekday (every kept Sunday dropped as an outlier) is singular: ``lstsq``'s
    minimum-norm answer then."""
    try:
        return np.linalg.solve(x.T @ x, x.T @ target)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(x, target, rcond=None)[0]


def _harmonic_fit(y: np.ndarray, h: int, harmonics: int, model: str) -> Fit:
    """log(1 + demand) = level + trend + weekday + ``harmonics`` yearly harmonics, fitted by
    least squares over the last two years, twice: the second time without the days the first
    fit left far off (promotions, outages), so they bend neither the level nor the season.
    Back-transformed with Duan's smearing factor (the mean of exp(residual)), so the forecast
    is a mean, not a median."""
    n = len(y)
    start = max(0, n - HARMONIC_WINDOW)
    t = np.arange(start, n, dtype=float)
    x, target = _design(t, harmonics), np.log1p(np.maximum(y[start:], 0.0))
    beta = _least_squares(x, target)
    residuals = target - x @ beta
    centre = float(np.median(residuals))
    # a robust sd (MAD), at least 5 % (log units): a near-perfect series keeps its days
    spread = max(1.4826 * float(np.median(np.abs(residuals - centre))), 0.05)
    keep = np.abs(residuals - centre) <= HARMONIC_OUTLIER * spread
    if keep.sum() > x.shape[1] * 2:
        beta = _least_squares(x[keep], target[keep])
        residuals = target - x @ beta
    smear = float(np.mean(np.exp(residuals[keep])))
    fitted = np.maximum(np.exp(x @ beta) * smear - 1, 0.0)
    ahead = np.arange(n, n + h, dtype=float)
    mean = np.maximum(np.exp(_design(ahead, harmonics) @ beta) * smear - 1, 0.0)
    # the error spread in demand units, growing a little as the trend is extrapolated further
    errors = (y[start:] - fitted)[keep]
    relative = float(np.std(errors, ddof=1)) / max(float(fitted[keep].mean()), 1e-9)
    growth = np.sqrt(1 + np.arange(1, h + 1) / len(t))
    sigma = relative * np.maximum(mean, 1e-9) * growth
    return Fit(model, mean, sigma)


def fit_harmonic_regression(y: np.ndarray, h: int) -> Fit:
    """The harmonic regression with two yearly harmonics once its window holds more than a
    year (a smooth yearly wave), none before."""
    harmonics = 2 if min(len(y), HARMONIC_WINDOW) >= YEARLY_MIN_HISTORY else 0
    return _harmonic_fit(y, h, harmonics, "harmonic_regression")


YEARLY_DETAIL_HARMONICS = 6  # down to two-month waves: a December run-up, a quiet January
YEARLY_DETAIL_MIN_HISTORY = 78 * SEASON  # a year and a half: the year seen once and half again


def fit_yearly_harmonics(y: np.ndarray, h: int) -> Fit:
    """The harmonic regression with six yearly harmonics (the year's shape in detail: a
    peak season of a few weeks, not only a summer and a winter), with a year and a half of
    history; before that, the plain harmonic regression. Not a candidate alone: it is the
    yearly half of ``yearly_ensemble``."""
    if len(y) < YEARLY_DETAIL_MIN_HISTORY:
        fit = fit_harmonic_regression(y, h)
        return Fit("yearly_harmonics", fit.mean, fit.sigma)
    return _harmonic_fit(y, h, YEARLY_DETAIL_HARMONICS, "yearly_harmonics")


def fit_ensemble(y: np.ndarray, h: int) -> Fit:
    """The mean of the harmonic regression and weekday smoothing (its yearly variant with a
    year of history): two models that err differently, averaged."""
    a = fit_harmonic_regression(y, h)
    b = (fit_weekday_smoothing_yearly if len(y) >= YEARLY_MIN_HISTORY else fit_weekday_smoothing)(
        y, h
    )
    return Fit("ensemble", (a.mean + b.mean) / 2, np.sqrt((a.sigma**2 + b.sigma**2) / 2))


def fit_yearly_ensemble(y: np.ndarray, h: int) -> Fit:
    """The mean of the six-harmonic regression (the year's shape, the trend) and weekday
    smoothing (the recent level): a candidate only for series that can carry it (see
    ``yearly_detail``)."""
    a, b = fit_yearly_harmonics(y, h), fit_weekday_smoothing(y, h)
    return Fit("yearly_ensemble", (a.mean + b.mean) / 2, np.sqrt((a.sigma**2 + b.sigma**2) / 2))


def fit_croston_sba(y: np.ndarray, h: int) -> Fit:
    sales = np.flatnonzero(y > 0)
    if len(sales) == 0:
        return Fit("croston_sba", np.zeros(h), np.zeros(h))
    size, interval = float(y[sales[0]]), float(sales[0] + 1)
    previous = sales[0]
    for t in sales[1:]:
        size += CROSTON_ALPHA * (y[t] - size)
        interval += CROSTON_ALPHA * ((t - previous) - interval)
        previous = t
    rate = (1 - CROSTON_ALPHA / 2) * size / max(interval, 1.0)
    return Fit("croston_sba", np.full(h, rate), _sigma(y - rate, np.ones(h)))


def fit_mean(y: np.ndarray, h: int) -> Fit:
    mean = float(y.mean()) if len(y) else 0.0
    return Fit("mean", np.full(h, mean), _sigma(y - mean, np.ones(h)))


MODELS = {
    "naive": fit_naive,
    "seasonal_naive": fit_seasonal_naive,
    "weekday_smoothing": fit_weekday_smoothing,
    "weekday_smoothing_yearly": fit_weekday_smoothing_yearly,
    "harmonic_regression": fit_harmonic_regression,
    "ensemble": fit_ensemble,
    "yearly_harmonics": fit_yearly_harmonics,
    "yearly_ensemble": fit_yearly_ensemble,
    "croston_sba": fit_croston_sba,
    "mean": fit_mean,
}
# Candidates of the regular tier (naive is a reported baseline, not a candidate: on daily sales
# with a weekly rhythm it loses to seasonal naive, and a lucky backtest must not pick it).
REGULAR = ("seasonal_naive", "weekday_smoothing", "harmonic_regression", "ensemble")
# With more than a year of history, the yearly course is a candidate too.
REGULAR_YEARLY = (*REGULAR, "weekday_smoothing_yearly")
# The shop's totals and high-volume SKUs with a year and a half of history also try the year
# in detail (``yearly_detail``).
REGULAR_YEARLY_DETAIL = (*REGULAR_YEARLY, "yearly_ensemble")
HIGH_VOLUME = 10.0  # units a day over the last year from which a SKU is worth the yearly detail


def yearly_detail(y: np.ndarray, *, shop_total: bool) -> bool:
    """Whether a series is worth the six-harmonic candidate: the shop's units and revenue
    always, a SKU when it sold ``HIGH_VOLUME`` units a day or more over the last year (below
    that, a day's noise hides a few weeks' season, and the nightly run stays cheap)."""
    return shop_total or float(np.mean(y[-YEAR:])) >= HIGH_VOLUME


def seasonal_scale(y: np.ndarray) -> float:
    """The in-sample mean absolute error of the seasonal-naive forecast (MASE's scale)."""
    if len(y) <= SEASON:
        return float(np.mean(np.abs(np.diff(y)))) if len(y) > 1 else 1.0
    scale = float(np.mean(np.abs(y[SEASON:] - y[:-SEASON])))
    return scale if scale > 0 else 1.0


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - forecast))) / seasonal_scale(history)


def cross_validate_folds(y: np.ndarray, model: str, horizon: int = CV_HORIZON) -> np.ndarray:
    """MASE of ``model`` at each rolling origin, a week apart, the latest first (its window
    ends at the last day); empty when the history is too short for one origin."""
    scores = []
    for k in range(CV_ORIGINS):
        end = len(y) - horizon - k * SEASON
        if end < 2 * SEASON:
            break
        fit = MODELS[model](y[:end], horizon)
        scores.append(mase(y[end : end + horizon], fit.mean, y[:end]))
    return np.array(scores)


def cross_validate(y: np.ndarray, model: str, horizon: int = CV_HORIZON) -> float:
    """Mean MASE of ``model`` over the rolling origins; inf when the history is too short for
    one origin."""
    scores = cross_validate_folds(y, model, horizon)
    return float(scores.mean()) if len(scores) else math.inf


def combination(pool: tuple[str, ...]) -> str | None:
    """The combination among the candidates ``pool``: the yearly ensemble where it is one,
    else the ensemble (None when neither is)."""
    return next((name for name in ("yearly_ensemble", "ensemble") if name in pool), None)


def within_one_se(combined: np.ndarray, best: np.ndarray) -> bool:
    """Whether the combination's fold scores are no worse than the best candidate's by more
    than one standard error of their paired differences (at least two folds to tell)."""
    if len(combined) < 2 or len(combined) != len(best):
        return False
    differences = combined - best
    return float(differences.mean()) <= float(differences.std(ddof=1)) / math.sqrt(len(differences))


def backtest_horizon(days: int, horizon: int) -> int:
    """The horizon the regular tier's backtest scores a history of ``days`` days at."""
    # the horizon asked for (within 28..84 days): the model best 12 weeks out is not always
    # the one best next week
    cv_horizon = min(max(horizon, CV_HORIZON), CV_HORIZON_MAX)
    # ... and never longer than the history leaves room for (2 weeks to fit, 3 origins)
    return max(SEASON, min(cv_horizon, days - (2 + CV_ORIGINS - 1) * SEASON))


def candidates(y: np.ndarray, cv_horizon: int, *, shop_total: bool) -> tuple[str, ...]:
    """The models the regular tier's backtest chooses from for the series ``y``."""
    # the year in detail only where even the oldest backtest fit has the history it needs
    detail_history = YEARLY_DETAIL_MIN_HISTORY + cv_horizon + (CV_ORIGINS - 1) * SEASON
    if len(y) >= detail_history and yearly_detail(y, shop_total=shop_total):
        return REGULAR_YEARLY_DETAIL
    if len(y) >= YEARLY_MIN_HISTORY + cv_horizon:
        return REGULAR_YEARLY
    return REGULAR


@dataclass
class Forecast:
    model: str
    tier: str  # "short", "intermittent", "regular"
    reason: str  # why this model, in words (English; shown as data)
    mean: np.ndarray
    sigma: np.ndarray
    scores: dict[str, float] = field(default_factory=dict)  # model → cross-validated MASE

    def bounds(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        z = float(scipy.stats.norm.ppf(0.5 + level / 2))
        return np.maximum(0.0, self.mean - z * self.sigma), self.mean + z * self.sigma


def forecast(y, horizon: int, *, shop_total: bool = False) -> Forecast:
    """Forecast ``horizon`` days after the daily series ``y`` (oldest first, gap-free);
    ``shop_total``: ``y`` is the shop's units or revenue, not a SKU's."""
    y = np.asarray(y, dtype=float)
    if len(y) < SHORT_HISTORY:
        fit = fit_mean(y, horizon)
        reason = f"only {len(y)} days of history (under {SHORT_HISTORY}): the mean of them"
        return Forecast(fit.model, "short", reason, fit.mean, fit.sigma)
    zero_share = float(np.mean(y[-8 * SEASON :] == 0))
    if zero_share > INTERMITTENT_ZERO_SHARE:
        fit = fit_croston_sba(y, horizon)
        reason = f"intermittent: {zero_share:.0%} of recent days without sales"
        return Forecast(fit.model, "intermittent", reason, fit.mean, fit.sigma)
    cv_horizon = backtest_horizon(len(y), horizon)
    pool = candidates(y, cv_horizon, shop_total=shop_total)
    folds = {name: cross_validate_folds(y, name, cv_horizon) for name in pool}
    scores = {name: float(s.mean()) if len(s) else math.inf for name, s in folds.items()}
    best = min(scores, key=lambda name: scores[name])
    floor = f"seasonal naive {scores['seasonal_naive']:.2f}"
    reason = f"lowest backtest MASE ({scores[best]:.2f}; {floor})"
    combined = combination(pool)
    if combined and combined != best and within_one_se(folds[combined], folds[best]):
        reason = (
            f"backtest MASE {scores[combined]:.2f}, within one standard error of the lowest "
            f"({best} {scores[best]:.2f}; {floor}): the combination is kept"
        )
        best = combined
    fit = MODELS[best](y, horizon)
    return Forecast(best, "regular", reason, fit.mean, fit.sigma, scores)
