"""``soloops analytics rebuild [--since DATE]``."""

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


def register(sub) -> None:
    analytics = add_command(sub, "analytics", None, "Insights: the daily facts.")
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
