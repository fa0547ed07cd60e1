"""``soloops analytics rebuild [--since DATE]``, ``forecast [--service-level L]`` and
``backtest --series S --horizon H [--until DATE] [--csv FILE]``."""

import sys
from datetime import date

from .console import add_command


def _day(text: str) -> date:
    import argparse

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_analytics_rebuild(args) -> int:
    from soloops.analytics.services import daily_facts_rebuild
    from soloops.demo.progress import Progress

    bar = Progress(sys.stderr, phases=1)
    started = False

    def progress(done: int, total: int) -> None:
        nonlocal started
        if not started:
            bar.phase("days", total)
            started = True
        bar.advance(done - bar.done)

    days = daily_facts_rebuild(since=args.since, progress=progress)
    bar.close()
    print(f"soloops: daily facts rebuilt: {days:,} days")
    return 0


def cmd_analytics_forecast(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.analytics.services import forecasts_refresh

    run = forecasts_refresh(
        actor=Actor.system("soloops analytics forecast"), service_level=args.service_level
    )
    print(
        f"soloops: {run.series:,} series forecast; "
        f"{run.policies_updated:,} reorder policies following their forecast updated"
    )
    return 0


def cmd_analytics_backtest(args) -> int:
    import csv

    from soloops.analytics.backtests import backtest_run

    result = backtest_run(series=args.series, horizon=args.horizon, until=args.until)
    print(f"{result.series}: fitted up to {result.until}, {result.horizon} days ahead")
    print(f"chosen model: {result.model} ({result.reason})")
    for name in ("chosen", "seasonal_naive", "naive"):
        print(f"MASE {name:<15} {result.mase[name]:.3f}")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["date", "actual", "forecast", "lo95", "hi95"])
            for day, actual, mean, lo, hi in result.rows:
                writer.writerow(
                    [day.isoformat(), f"{actual:g}", f"{mean:.3f}", f"{lo:.3f}", f"{hi:.3f}"]
                )
    return 0


def cmd_analytics_anomalies(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.analytics.services import anomalies_detect

    found = anomalies_detect(actor=Actor.system("soloops analytics anomalies"), day=args.day)
    for row in found:
        print(
            f"{row.day} {row.metric}: {row.value:g} ({row.direction}; usually "
            f"{row.expected_low:g}-{row.expected_high:g})"
        )
    print(f"soloops: {len(found)} new anomalies")
    return 0


def register(sub) -> None:
    analytics = add_command(sub, "analytics", None, "Insights: daily facts, forecasts, backtests.")
    analytics_sub = analytics.add_subparsers(
        dest="analytics_command", required=True, metavar="ACTION"
    )
    rebuild = analytics_sub.add_parser(
        "rebuild",
        help="Recompute the daily facts from the orders, refunds and event log.",
        description="Recompute the daily facts from the orders, refunds and event log "
        "(every day, or from --since to today), with a progress bar.",
    )
    rebuild.add_argument(
        "--since", type=_day, default=None, metavar="DATE", help="first day to recompute"
    )
    rebuild.set_defaults(func=cmd_analytics_rebuild)
    fc = analytics_sub.add_parser(
        "forecast",
        help="Forecast the shop and every supplied SKU; update the reorder points that follow.",
        description="Forecast daily units and revenue and every SKU a supplier sells, 90 days "
        "ahead, with reorder advice; reorder policies set to follow their forecast are updated.",
    )
    fc.add_argument(
        "--service-level",
        type=float,
        default=None,
        metavar="L",
        help="share of lead times without running out, above 0.5 and at most 0.999 "
        "(default: SOLOOPS_SERVICE_LEVEL, 0.95)",
    )
    fc.set_defaults(func=cmd_analytics_forecast)
    bt = analytics_sub.add_parser(
        "backtest",
        help="How good would the forecast have been? MASE against seasonal naive and naive.",
        description="Fit on the history up to --until (default: HORIZON days before the last "
        "day), forecast HORIZON days and compare with what happened.",
    )
    bt.add_argument("--series", required=True, help="shop.units, shop.revenue or sku:<SKU>")
    bt.add_argument("--horizon", type=int, required=True, metavar="H", help="days ahead")
    bt.add_argument("--until", type=_day, default=None, metavar="DATE", help="last day fitted")
    bt.add_argument(
        "--csv",
        default=None,
        metavar="FILE",
        help="write date, actual, forecast, lo95, hi95 to FILE",
    )
    bt.set_defaults(func=cmd_analytics_backtest)
    an = analytics_sub.add_parser(
        "anomalies",
        help="Score a day (default yesterday) against the same weekday before; record alerts.",
        description="Score a day's figures (default yesterday) against the same weekday of the "
        "five weeks before; each new anomaly is recorded with an analytics.anomaly_detected "
        "event.",
    )
    an.add_argument("--day", type=_day, default=None, metavar="DATE", help="the day to score")
    an.set_defaults(func=cmd_analytics_anomalies)
