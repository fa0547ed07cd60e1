"""Would a forecast combination help as one more backtest candidate? Figures over many origins
and demo shops.

The M4 competition's lesson is that combinations of forecasts are robust. Here a combination
is tried the way any model must win: as one more candidate of the regular tier's backtest,
chosen only when its rolling-origin MASE is the lowest. For each series and horizon, at
``--origins`` origins two weeks apart (the first is the backtest's own: the H days before the
last day), this prints how much lower than seasonal naive's the chosen model's MASE is (1 -
MASE / MASE of seasonal naive): at the first origin, and over all (the ratio of the mean
MASEs), for the current candidates and for each variant:

- ``+mean3``: the mean of weekday smoothing, the harmonic regression and the six-harmonic
  regression, a candidate where the yearly ensemble is (the shop's totals, high-volume SKUs);
- ``+mean4``: the same with weekday smoothing's yearly variant as a fourth;
- ``+top2``: the mean of the two candidates with the lowest backtest MASE, its own backtest
  scored without the selection leak (the two are picked at each backtest fold from the
  backtests of that fold's own history, never from the window being scored);
- ``always:...``: no choice at all, that one model everywhere (what the choice costs).

Forecasts at every fold and origin are computed once and shared by the variants (a few
seconds a series). The "current" column is checked against ``forecast()``'s own choice at
every origin (printed as "agrees with forecast(): n of N"). Series: the shop's units and
revenue in the database the environment names (SOLOOPS_VAR_DIR / DATABASE_URL, as the CLI
does; skipped when it has no daily facts) and the demo shops ``plan_demo`` draws in memory for
``--orders`` x ``--seeds`` (as of 2026-12-07 10:30 UTC, like the demo tests). It prints
figures and asserts nothing. Usage:

    SOLOOPS_VAR_DIR=... .venv/bin/python bench/forecast_combinations.py [--horizons 28 84]
        [--origins 20] [--orders 3000 6000] [--seeds 1 2 3] [--without-database]
"""

import argparse
import os
from datetime import UTC, datetime

import numpy as np

NOW = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
COMBINATIONS = {
    "mean3": ("weekday_smoothing", "harmonic_regression", "yearly_harmonics"),
    "mean4": (
        "weekday_smoothing",
        "weekday_smoothing_yearly",
        "harmonic_regression",
        "yearly_harmonics",
    ),
}
VARIANTS = ("current", "+mean3", "+mean4", "+top2", "always:yearly_ensemble", "always:mean3")


def demo_series(orders: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily units and revenue of a demo shop drawn in memory, by local day placed."""
    from django.utils import timezone

    from soloops.demo.plan import plan_demo

    plan = plan_demo(orders=orders, seed=seed, now=NOW)
    zone = timezone.get_current_timezone()
    first = plan.start.astimezone(zone).date()
    days = (NOW.astimezone(zone).date() - first).days + 1
    units, revenue = np.zeros(days), np.zeros(days)
    for order in plan.orders:
        if order.status in ("cancelled", "rejected"):
            continue
        day = (order.placed_at.astimezone(zone).date() - first).days
        units[day] += sum(q for _i, q in order.lines)
        revenue[day] += float(order.totals.total)
    return units[:-1], revenue[:-1]  # whole days: NOW's day is partial, as the backtest skips


class Study:
    """One series at one horizon: forecasts per (model, end of history), computed once."""

    def __init__(self, y: np.ndarray, horizon: int):
        from soloops.analytics import forecasting

        self.f, self.y, self.h = forecasting, y, horizon
        self.fits: dict[tuple[str, int], np.ndarray] = {}
        self.cv: dict[tuple[str, int], float] = {}

    def candidates(self, end: int) -> tuple[str, ...]:
        history = self.y[:end]
        cv_horizon = self.f.backtest_horizon(end, self.h)
        assert cv_horizon == self.h, "a history too short for this horizon"
        return self.f.candidates(history, cv_horizon, shop_total=True)

    def mean(self, model: str, end: int) -> np.ndarray:
        key = (model, end)
        if key not in self.fits:
            if model in COMBINATIONS:
                found = np.mean([self.mean(m, end) for m in COMBINATIONS[model]], axis=0)
            elif model == "top2":
                pool = self.candidates(end)
                best = sorted(pool, key=lambda m: self.backtest(m, end))[:2]
                found = np.mean([self.mean(m, end) for m in best], axis=0)
            else:
                found = self.f.MODELS[model](self.y[:end], self.h).mean
            self.fits[key] = found
        return self.fits[key]

    def score(self, model: str, end: int) -> float:
        actual = self.y[end : end + self.h]
        return self.f.mase(actual, self.mean(model, end)[: len(actual)], self.y[:end])

    def folds(self, model: str, end: int) -> np.ndarray:
        """``cross_validate_folds`` on ``y[:end]``, from the shared forecasts."""
        folds = [end - self.h - k * self.f.SEASON for k in range(self.f.CV_ORIGINS)]
        return np.array([self.score(model, fold) for fold in folds if fold >= 2 * self.f.SEASON])

    def backtest(self, model: str, end: int) -> float:
        """``cross_validate`` on ``y[:end]``, from the shared forecasts."""
        key = (model, end)
        if key not in self.cv:
            scores = self.folds(model, end)
            self.cv[key] = float(scores.mean()) if len(scores) else float("inf")
        return self.cv[key]

    def chosen(self, variant: str, end: int) -> str:
        if variant.startswith("always:"):
            return variant.split(":", 1)[1]
        pool = self.candidates(end)
        if variant != "current" and "yearly_ensemble" in pool:
            pool = (*pool, variant[1:])
        best = min(pool, key=lambda m: self.backtest(m, end))
        # forecast()'s one-standard-error rule: the combination unless clearly beaten
        combined = self.f.combination(pool)
        if (
            combined
            and combined != best
            and self.f.within_one_se(self.folds(combined, end), self.folds(best, end))
        ):
            return combined
        return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--horizons", type=int, nargs="+", default=[28, 84])
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--orders", type=int, nargs="+", default=[3000, 6000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--without-database", action="store_true", help="demo shops only")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")
    import django

    django.setup()
    from datetime import timedelta

    from soloops.analytics.forecasting import forecast
    from soloops.analytics.selectors import series_values
    from soloops.analytics.services.facts import shop_today
    from soloops.shop.selectors import shop_zone

    series: dict[str, np.ndarray] = {}
    for name in () if args.without_database else ("shop.units", "shop.revenue"):
        yesterday = shop_today(shop_zone()) - timedelta(days=1)  # whole days, as the backtest
        values = series_values(series=name, until=yesterday)[1]
        if values:
            series[f"database {name}"] = np.asarray(values, dtype=float)
    for orders in args.orders:
        for seed in args.seeds:
            units, revenue = demo_series(orders, seed)
            series[f"demo {orders}/{seed} units"] = units
            series[f"demo {orders}/{seed} revenue"] = revenue

    for horizon in args.horizons:
        print(f"H = {horizon}: % below seasonal naive's MASE, at the first origin / over all")
        print(f"{'':<28}" + "".join(f"{v:>24}" for v in VARIANTS))
        gains: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
        agree = total = 0
        picked = dict.fromkeys(VARIANTS, 0)
        for name, y in series.items():
            study = Study(y, horizon)
            ends = [len(y) - horizon - 14 * k for k in range(args.origins)]
            floor = [study.score("seasonal_naive", end) for end in ends]
            row = []
            for variant in VARIANTS:
                choices = [study.chosen(variant, end) for end in ends]
                picked[variant] += choices.count(variant[1:])
                found = [study.score(model, end) for model, end in zip(choices, ends, strict=True)]
                gain = (1 - found[0] / floor[0], 1 - np.mean(found) / np.mean(floor))
                gains[variant].append(gain)
                row.append(f"{gain[0]:+.1%} / {gain[1]:+.1%}")
            for end in ends:
                total += 1
                agree += forecast(y[:end], horizon, shop_total=True).model == study.chosen(
                    "current", end
                )
            print(f"{name:<28}" + "".join(f"{cell:>24}" for cell in row))
        cells = []
        for variant in VARIANTS:
            found = np.array(gains[variant])
            met = int((found[:, 0] >= 0.15).sum())
            cells.append(f"{found[:, 0].mean():+.1%} / {found[:, 1].mean():+.1%} ({met})")
        print(f"{'mean (first origins >= 15 %)':<28}" + "".join(f"{c:>24}" for c in cells))
        print(f"  'current' agrees with forecast()'s choice at {agree} of {total} origins")
        combined = {v: n for v, n in picked.items() if v.startswith("+")}
        print(f"  origins at which the backtest chose the combination (of {total}): {combined}")


if __name__ == "__main__":
    main()
