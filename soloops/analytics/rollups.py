"""Computing the daily facts of a run of days from the source rows.

One function, used alike by the event handler (the days an event touched) and by the rebuild
(every day): the incremental tables equal a rebuild because both are this computation over the
same rows. Each run of days costs five range queries, and one per 500 orders for their holds
and deliveries. Besides the day and SKU figures it gives each counted order's processing
times (placed → shipped, placed → delivered), so the KPIs read them from one table instead of
the orders and the event log.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

import numpy as np
from django.utils import timezone

from soloops.events.selectors import event_times, subject_event_times
from soloops.orders.selectors import rollup_lines, rollup_orders
from soloops.payments.selectors import rollup_refunds

ZERO = Decimal("0.00")
# Order statuses past paid and past shipped (an order that went on keeps having been paid).
PAID_OR_LATER = {"paid", "fulfilling", "shipped", "delivered", "completed"}
NOT_COUNTED = {"rejected", "cancelled"}
# Event types counted per day, by the field of DailyFact they count.
EVENT_COUNTS = {
    "email.sent": "emails_sent",
    "flow_run.failed": "flow_runs_failed",
    "payment.failed": "payments_failed",
}


@dataclass
class DayFigures:
    orders_placed: int = 0
    orders_accepted: int = 0
    orders_held: int = 0
    orders_rejected: int = 0
    orders_cancelled: int = 0
    orders_completed: int = 0
    orders_paid: int = 0
    orders_shipped: int = 0
    units: int = 0
    revenue_gross: Decimal = ZERO
    refunds_count: int = 0
    refunds_amount: Decimal = ZERO
    new_customers: int = 0
    returning_customers: int = 0
    payments_failed: int = 0
    flow_runs_failed: int = 0
    emails_sent: int = 0
    counted_orders: int = field(default=0, repr=False)

    def fields(self) -> dict:
        values = {k: v for k, v in vars(self).items() if k != "counted_orders"}
        values["revenue"] = self.revenue_gross - self.refunds_amount
        values["average_order_value"] = (
            (self.revenue_gross / self.counted_orders).quantize(Decimal("0.01"))
            if self.counted_orders
            else ZERO
        )
        return values


@dataclass(frozen=True)
class Timing:
    """One counted order's processing times, in hours (None: not shipped / delivered yet)."""

    order_id: int
    day: date
    ship_hours: float | None
    deliver_hours: float | None


HOURS = 3600.0


@dataclass
class SkuFigures:
    orders: int = 0
    units: int = 0
    revenue: Decimal = ZERO


def day_start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def local_day(moment: datetime, zone: tzinfo) -> date:
    return timezone.localtime(moment, zone).date()


@dataclass
class Computed:
    days: dict[date, DayFigures]
    skus: dict[tuple[date, str], SkuFigures]
    timings: list[Timing]


def _timings(orders: list[dict], delivered: dict[int, datetime], zone) -> list[Timing]:
    def hours(at, order):
        return None if at is None else (at - order["placed_at"]).total_seconds() / HOURS

    return [
        Timing(
            order_id=o["id"],
            day=local_day(o["placed_at"], zone),
            ship_hours=hours(o["shipped_at"], o),
            deliver_hours=hours(delivered.get(o["id"]), o),
        )
        for o in orders
        if o["status"] not in NOT_COUNTED
    ]


PACKED_IDS, PACKED_HOURS = np.dtype("<i8"), np.dtype("<f8")


def timings_packed(timings: list[Timing]) -> dict[date, tuple[bytes, bytes, bytes]]:
    """Each day's timings as (order ids, hours to shipping, hours to delivery) arrays, in
    order-id order, NaN for a time not reached yet (``models.DayTimings``)."""
    by_day: dict[date, list[Timing]] = defaultdict(list)
    for t in timings:
        by_day[t.day].append(t)
    packed = {}
    for day, rows in by_day.items():
        rows.sort(key=lambda t: t.order_id)
        ship = [math.nan if t.ship_hours is None else t.ship_hours for t in rows]
        deliver = [math.nan if t.deliver_hours is None else t.deliver_hours for t in rows]
        packed[day] = (
            np.array([t.order_id for t in rows], dtype=PACKED_IDS).tobytes(),
            np.array(ship, dtype=PACKED_HOURS).tobytes(),
            np.array(deliver, dtype=PACKED_HOURS).tobytes(),
        )
    return packed


def hours_unpacked(blobs: list[bytes]) -> list[float]:
    """The times reached, from packed arrays, in their order (NaN: not reached, left out)."""
    if not blobs:
        return []
    values = np.concatenate([np.frombuffer(bytes(b), dtype=PACKED_HOURS) for b in blobs])
    return values[~np.isnan(values)].tolist()


def days_compute(*, first: date, last: date, zone: tzinfo, currency: str) -> Computed:
    """The figures of every day in [first, last] (each present, zero if nothing happened),
    of every (day, SKU) that sold, and the processing times of the orders placed then."""
    start, end = day_start(first, zone), day_start(last + timedelta(days=1), zone)
    days = {first + timedelta(days=i): DayFigures() for i in range((last - first).days + 1)}
    orders = rollup_orders(start=start, end=end)
    held: set[int] = set()
    delivered: dict[int, datetime] = {}
    for type_, subject, at in subject_event_times(
        types=["order.on_hold", "order.delivered"],
        subject_type="orders.order",
        subject_ids=[o["id"] for o in orders],
    ):
        if type_ == "order.on_hold":
            held.add(int(subject))
        else:
            delivered.setdefault(int(subject), at)  # oldest first: the first delivery
    _add_orders(days, orders, held, zone, currency)
    skus: dict[tuple[date, str], SkuFigures] = defaultdict(SkuFigures)
    for line in rollup_lines(start=start, end=end):
        day = local_day(line["order__placed_at"], zone)
        figures = skus[day, line["sku"]]
        figures.orders += 1
        figures.units += line["quantity"]
        days[day].units += line["quantity"]
        if line["order__currency"] == currency:
            figures.revenue += line["line_total"]
    for refund in rollup_refunds(start=start, end=end):
        figures = days[local_day(refund["created_at"], zone)]
        figures.refunds_count += 1
        if refund["payment__currency"] == currency:
            figures.refunds_amount += refund["amount"]
    for type_, created_at in event_times(types=list(EVENT_COUNTS), start=start, end=end):
        figures = days[local_day(created_at, zone)]
        name = EVENT_COUNTS[type_]
        setattr(figures, name, getattr(figures, name) + 1)
    return Computed(days, dict(skus), _timings(orders, delivered, zone))


def _add_orders(
    days: dict[date, DayFigures], orders: list[dict], held: set[int], zone, currency: str
) -> None:
    """Orders by the day they were placed; ``held``: the ids of those ever put on hold."""
    for order in orders:
        figures = days[local_day(order["placed_at"], zone)]
        status = order["status"]
        figures.orders_placed += 1
        figures.orders_accepted += order["accepted_at"] is not None
        figures.orders_held += order["id"] in held or order["review_outcome"] == "hold"
        figures.orders_rejected += status == "rejected"
        figures.orders_cancelled += status == "cancelled"
        figures.orders_completed += status == "completed"
        figures.orders_paid += status in PAID_OR_LATER
        figures.orders_shipped += order["shipped_at"] is not None
        if status in NOT_COUNTED:
            continue
        figures.counted_orders += 1
        if order["currency"] == currency:
            figures.revenue_gross += order["total"]
        if order["returning"]:
            figures.returning_customers += 1
        else:
            figures.new_customers += 1


def day_runs(days: set[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days: {1, 2, 3, 7} → [(1, 3), (7, 7)]."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
