"""Forecast accuracy on a shop's own daily facts, at one origin and over many.

``soloops analytics backtest`` scores one origin: the H days before the last day. On a small
shop one 28-day window is mostly noise (the default demo sells about 11 units a day, and the
window before 7 December holds Black Friday), so this prints, for ``shop.units`` and
``shop.revenue`` at each horizon, how much better than seasonal naive (1 - MASE / MASE of
seasonal naive) each model is at that origin and on average over ``--origins`` origins two
weeks apart (the ratio of the mean MASEs), with the model the backtest chooses. Whole days
only: the series ends yesterday, as the backtest's does (today's facts are a partial day). It
reads the database the environment names (SOLOOPS_VAR_DIR / DATABASE_URL, as the CLI does), prints
figures and asserts nothing. Usage:

    SOLOOPS_VAR_DIR=... .venv/bin/python bench/forecast_origins.py [--horizons 28 84]
        [--origins 20]
"""

import argparse
import os

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--horizons", type=int, nargs="+", default=[28, 84])
    parser.add_argument("--origins", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")
    import django

    django.setup()
    from datetime import timedelta

    from soloops.analytics.forecasting import MODELS, REGULAR_YEARLY_DETAIL, forecast, mase
    from soloops.analytics.selectors import series_values
    from soloops.analytics.services.facts import shop_today
    from soloops.shop.selectors import shop_zone

    yesterday = shop_today(shop_zone()) - timedelta(days=1)  # whole days, as the backtest
    for name in ("shop.units", "shop.revenue"):
        first, values = series_values(series=name, until=yesterday)
        y = np.asarray(values, dtype=float)
        print(f"{name}: {len(y)} days from {first}, mean {y.mean():.2f} a day")
        for horizon in args.horizons:
            ends = [len(y) - horizon - 14 * k for k in range(args.origins)]
            ends = [end for end in ends if end > 2 * 7]
            scores: dict[str, list[float]] = {m: [] for m in ("chosen", *REGULAR_YEARLY_DETAIL)}
            picked = ""
            for end in ends:
                history, actual = y[:end], y[end : end + horizon]
                chosen = forecast(history, horizon, shop_total=True)
                picked = picked or chosen.model  # the first end is the backtest's own origin
                scores["chosen"].append(mase(actual, chosen.mean, history))
                for model in REGULAR_YEARLY_DETAIL:
                    fitted = MODELS[model](history, horizon).mean
                    scores[model].append(mase(actual, fitted, history))
            floor = scores["seasonal_naive"]
            print(f"  H = {horizon}, {len(ends)} origins; the backtest's origin chose {picked}")
            for model, found in scores.items():
                once = 1 - found[0] / floor[0]
                mean = 1 - np.mean(found) / np.mean(floor)
                print(f"    {model:<26}{once:>+8.1%} at its origin{mean:>+8.1%} over all")


if __name__ == "__main__":
    main()
