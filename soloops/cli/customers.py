"""``soloops customers calibrate --until DATE`` and ``soloops customers refresh``."""

from datetime import date, datetime, time

from .console import add_command, fail


def cmd_calibrate(args) -> int:
    from django.utils import timezone

    from soloops.customers.selectors import customer_ltv_calibrate

    try:
        day = date.fromisoformat(args.until)
    except ValueError:
        return fail(f"--until: {args.until!r} is not a date (YYYY-MM-DD)")
    until = timezone.make_aware(datetime.combine(day, time.min))
    if until >= timezone.now():
        return fail("--until: the date must be in the past (predictions are checked after it)")
    result = customer_ltv_calibrate(until=until)
    if result.reason:
        return fail(f"cannot calibrate: {result.reason}")
    days = (result.end - result.until).days
    print(f"fitted on orders before {day}; {result.customers} customers; next {days} days")
    print(f"{'repeat orders before':>22} {'customers':>10} {'predicted':>10} {'actual':>8}")
    for label, customers, predicted, actual in result.by_frequency:
        print(f"{label:>22} {customers:>10} {predicted:>10.1f} {actual:>8}")
    error = (result.predicted - result.actual) / result.actual * 100 if result.actual else 0.0
    print(f"{'total':>22} {result.customers:>10} {result.predicted:>10.1f} {result.actual:>8}")
    print(f"predicted vs actual: {error:+.1f} %")
    return 0


def cmd_refresh(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.customers.services import (
        customer_ltv_refresh,
        customer_segments_recompute,
        customer_stats_refresh,
    )

    actor = Actor.system("soloops customers refresh")
    customers = customer_stats_refresh()
    segments = customer_segments_recompute(actor=actor)
    fit = customer_ltv_refresh(actor=actor)
    print(f"{customers} customers' totals; {segments['buyers']} buyers scored, "
          f"{segments['announced']} segment changes")  # fmt: skip
    print(f"lifetime value: {fit.reason or f'fitted on {fit.buyers} buyers'}")
    return 0


def register(sub) -> None:
    customers = add_command(sub, "customers", None, "Customers: totals, segments, value.")
    customers_sub = customers.add_subparsers(
        dest="customers_command", required=True, metavar="ACTION"
    )
    cal = customers_sub.add_parser(
        "calibrate",
        help="Fit lifetime value on the history before DATE; print predicted vs actual after.",
        description="Fit the repeat-buying model on the orders before DATE, predict each "
        "customer's repeat orders from DATE to now, and print predicted vs actual in total "
        "and by how many repeat orders they had before.",
    )
    cal.add_argument("--until", required=True, metavar="DATE", help="YYYY-MM-DD, in the past")
    cal.set_defaults(func=cmd_calibrate)
    ref = customers_sub.add_parser(
        "refresh",
        help="Recompute every customer's totals, segment and predicted value now.",
        description="Recompute every customer's totals, segment and predicted value now "
        "(what the nightly flow and each order do), e.g. after an import.",
    )
    ref.set_defaults(func=cmd_refresh)
