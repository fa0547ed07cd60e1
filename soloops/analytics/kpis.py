"""The Insights figures of a window of days, each with its 95 % interval, compared with the
window just before it (a change is called real only when the two intervals do not overlap).

Rates come from the daily facts (one query per window); processing times from the orders'
timings kept with the daily facts (one query); the owner's workload from the event log (two
queries).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from soloops.analytics.models import DailyFact, DayTimings
from soloops.analytics.rollups import day_start, hours_unpacked, local_day
from soloops.analytics.stats import (
    Estimate,
    mean_t,
    median_order_statistic,
    total_next_days,
    wilson,
)
from soloops.errors import InvalidInput
from soloops.events.selectors import event_subjects, subject_event_times
from soloops.shop.selectors import shop_zone

WINDOW_MIN, WINDOW_MAX = 7, 365
HOURS = 3600.0
DECIDED = ("order.accepted", "order.rejected", "order.cancelled")


@dataclass(frozen=True)
class Kpi:
    key: str  # "completion_rate", "ship_hours_mean", ...
    unit: str  # "share", "hours", "per_day", "decisions"
    now: Estimate
    before: Estimate | None = None  # the previous window of the same length

    @property
    def comparable(self) -> bool:
        """Both windows have a figure."""
        return (
            self.before is not None and self.now.value is not None and self.before.value is not None
        )

    @property
    def changed(self) -> bool:
        """Whether the change from the previous window is real (intervals apart)."""
        return self.comparable and not self.now.overlaps(self.before)


@dataclass
class KpiReport:
    since: date
    until: date
    days: int
    kpis: list[Kpi] = field(default_factory=list)

    def get(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def _window(until: date, days: int) -> tuple[date, date]:
    return until - timedelta(days=days - 1), until


def _rates(since: date, until: date) -> dict[str, Estimate]:
    sums = DailyFact.objects.filter(day__gte=since, day__lte=until).aggregate(
        placed=Sum("orders_placed"),
        held=Sum("orders_held"),
        completed=Sum("orders_completed"),
        cancelled=Sum("orders_cancelled"),
        rejected=Sum("orders_rejected"),
        paid=Sum("orders_paid"),
        refunds=Sum("refunds_count"),
    )
    n = {k: v or 0 for k, v in sums.items()}
    decided = n["completed"] + n["cancelled"] + n["rejected"]
    return {
        "completion_rate": wilson(n["completed"], decided),
        "hold_rate": wilson(n["held"], n["placed"]),
        # refunds recorded per order paid in the window (a refund of an older order counts)
        "refund_rate": wilson(min(n["refunds"], n["paid"]), n["paid"]),
    }


def _processing(since: date, until: date) -> dict[str, Estimate]:
    """From the orders placed in the window that count: their timings, packed per day (one
    row a day, ``models.DayTimings``), in the order of their days and ids."""
    rows = DayTimings.objects.filter(day__gte=since, day__lte=until).order_by("day")
    packed = list(rows.values_list("ship_hours", "deliver_hours"))
    to_ship = hours_unpacked([ship for ship, _deliver in packed])
    to_deliver = hours_unpacked([deliver for _ship, deliver in packed])
    return {
        "ship_hours_mean": mean_t(to_ship, floor=0.0),
        "ship_hours_median": median_order_statistic(to_ship),
        "deliver_hours_mean": mean_t(to_deliver, floor=0.0),
        "deliver_hours_median": median_order_statistic(to_deliver),
    }


def _workload(since: date, until: date, zone) -> dict[str, Estimate]:
    """Decisions asked of the owner per day (orders put on hold, flow questions) and how long
    held orders waited for the decision."""
    start, end = day_start(since, zone), day_start(until + timedelta(days=1), zone)
    asked = event_subjects(
        types=["order.on_hold", "flow_run.awaiting_approval"], start=start, end=end
    )
    per_day = {since + timedelta(days=i): 0 for i in range((until - since).days + 1)}
    held_at: dict[str, datetime] = {}
    for type_, subject, at in asked:
        per_day[local_day(at, zone)] += 1
        if type_ == "order.on_hold":
            held_at.setdefault(subject, at)
    waits = []
    answered: set[str] = set()
    for _type, subject, at in subject_event_times(
        types=list(DECIDED), subject_type="orders.order", subject_ids=list(held_at)
    ):
        if subject not in answered and at >= held_at[subject]:
            answered.add(subject)
            waits.append((at - held_at[subject]).total_seconds() / HOURS)
    daily = [float(v) for v in per_day.values()]
    return {
        "decisions_per_day": mean_t(daily, floor=0.0),
        "decision_wait_hours_median": median_order_statistic(waits),
        "decisions_next_week": total_next_days(daily, 7),
    }


UNITS = {
    "completion_rate": "share",
    "hold_rate": "share",
    "refund_rate": "share",
    "ship_hours_mean": "hours",
    "ship_hours_median": "hours",
    "deliver_hours_mean": "hours",
    "deliver_hours_median": "hours",
    "decisions_per_day": "per_day",
    "decision_wait_hours_median": "hours",
    "decisions_next_week": "decisions",
}


def _figures(since: date, until: date, zone) -> dict[str, Estimate]:
    return _rates(since, until) | _processing(since, until) | _workload(since, until, zone)


def kpi_report(*, days: int = 28, until: date | None = None) -> KpiReport:
    """The KPIs of the ``days`` days up to ``until`` (default today), each beside the same
    figure of the ``days`` days before."""
    if not WINDOW_MIN <= days <= WINDOW_MAX:
        raise InvalidInput(
            "invalid_window",
            f"days must be between {WINDOW_MIN} and {WINDOW_MAX}",
            field="days",
        )
    zone = shop_zone()
    until = until or local_day(timezone.now(), zone)
    since, until = _window(until, days)
    now = _figures(since, until, zone)
    before = _figures(*_window(since - timedelta(days=1), days), zone)
    report = KpiReport(since=since, until=until, days=days)
    for key, unit in UNITS.items():
        previous = None if key == "decisions_next_week" else before[key]
        report.kpis.append(Kpi(key=key, unit=unit, now=now[key], before=previous))
    return report
