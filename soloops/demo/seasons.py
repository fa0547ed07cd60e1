"""When the demo shop's customers order (and which of them) and when its owner works.

Weekends are busier than weekdays, evenings busier than mornings; Black Friday, the run-up to
Christmas, Singles' Day, Valentine's and Mother's Day bring more orders, January and the
Christmas days fewer, and the shop grows over the year.
"""

import bisect
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

DAYS = 730  # two years: the yearly season (Black Friday, Christmas) is seen once before
WEEKDAY_WEIGHT = (0.9, 0.86, 0.88, 0.93, 1.02, 1.45, 1.5)  # Monday .. Sunday
HOUR_WEIGHT = (
    0.3, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.8, 1.1, 1.2, 1.2, 1.25,
    1.4, 1.3, 1.2, 1.2, 1.25, 1.4, 1.6, 1.9, 2.1, 2.0, 1.5, 0.8,
)  # fmt: skip

HOUR_CUMULATIVE = list(accumulate(HOUR_WEIGHT))


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def holiday_factor(d: date) -> float:
    """How much busier than usual a day is because of what is coming up."""
    black_friday = _nth_weekday(d.year, 11, 3, 4) + timedelta(days=1)
    mothers_day = _nth_weekday(d.year, 5, 6, 2)
    if d == black_friday:
        return 3.0
    if d == black_friday + timedelta(days=3):  # Cyber Monday
        return 2.4
    if black_friday < d < black_friday + timedelta(days=3):
        return 1.9
    if d.month == 11 and d.day == 11:  # Singles' Day
        return 1.7
    if d.month == 12:
        if d.day <= 20:
            return 1.5 + 0.6 * d.day / 20  # last shipping day for Christmas is the 20th
        if d.day <= 23:
            return 1.1
        if d.day <= 26:
            return 0.45
        return 0.8
    if d.month == 11 and d.day >= 15:
        return 1.3
    if d.month == 2 and d.day <= 13:  # Valentine's Day
        return 1.25
    if mothers_day - timedelta(days=10) <= d < mothers_day:
        return 1.35
    if d.month == 1:
        return 0.82
    return 1.0


# The shop's orders per day grow this much over the two years (from first day to last), by winning
# customers (see plan.Planner.natural), not by its customers ordering more often.
GROWTH_FIRST, GROWTH_LAST = 0.8, 1.2


def day_weight(d: date, first: date) -> float:
    seasonal = 1 + 0.15 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 340) / 365.25)
    growth = GROWTH_FIRST + (GROWTH_LAST - GROWTH_FIRST) * (d - first).days / (DAYS - 1)
    return WEEKDAY_WEIGHT[d.weekday()] * seasonal * holiday_factor(d) * growth


def local_time(d: date, seconds: float, tz) -> datetime:
    midnight = datetime.combine(d, time(0), tzinfo=tz)
    return (midnight + timedelta(seconds=seconds)).astimezone(UTC)


def placement_times(rng: random.Random, n: int, now: datetime, tz) -> list[datetime]:
    today = now.astimezone(tz).date()
    first = today - timedelta(days=DAYS - 1)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    elapsed = (now - datetime.combine(today, time(0), tzinfo=tz)).total_seconds()
    today_hours = [
        w * max(0.0, min(1.0, (elapsed - h * 3600) / 3600)) for h, w in enumerate(HOUR_WEIGHT)
    ]
    weights = [day_weight(d, first) for d in days]
    weights[-1] *= sum(today_hours) / sum(HOUR_WEIGHT)
    times = []
    hours = range(24)
    for i in rng.choices(range(DAYS), weights=weights, k=n):
        if i == DAYS - 1:
            (hour,) = rng.choices(hours, weights=today_hours)
            limit = min(3600.0, elapsed - hour * 3600)
        else:
            (hour,) = rng.choices(hours, cum_weights=HOUR_CUMULATIVE)
            limit = 3600.0
        placed_at = local_time(days[i], hour * 3600 + rng.uniform(0, limit), tz)
        times.append(min(placed_at, now - timedelta(seconds=1)))  # a DST day's wall clock
    times.sort()
    return times


def buyers(rng: random.Random, pool: list, times: list[datetime], now: datetime) -> list:
    """Who places each order (``times`` sorted): one of the customers won by then, by their
    ``weight``. The shop grows by winning customers: the share of the pool that bought before
    the history is GROWTH_FIRST / GROWTH_LAST, the rest join at uniform times in it, so the weight
    of the customers won grows as the shop's orders per day do and each customer's own pace
    follows only the seasons. (Drawn from the whole pool all year, every customer ordered half
    as often again by the year's end: a history no repeat-buying model expects, on which the
    lifetime-value calibration came out 30 % low.)"""
    start = now - timedelta(days=DAYS)
    joined = sorted(
        (start if rng.random() < GROWTH_FIRST / GROWTH_LAST else
         start + timedelta(days=rng.uniform(0, DAYS)), n, c)
        for n, c in enumerate(pool)
    )  # fmt: skip
    join_times = [t for t, _, _ in joined]
    cumulative = list(accumulate(c.weight for _, _, c in joined))
    who = []
    for placed_at in times:
        won = max(1, bisect.bisect_right(join_times, placed_at))
        pick = bisect.bisect_right(cumulative, rng.random() * cumulative[won - 1], hi=won - 1)
        who.append(joined[pick][2])
    return who


def working_time(t: datetime, rng: random.Random, tz) -> datetime:
    """The owner packs and decides Monday to Saturday morning, 8:00 to 18:00 (13:00 Sat)."""
    local = t.astimezone(tz)
    closing = 13 if local.weekday() == 5 else 18
    if local.weekday() < 6 and 8 <= local.hour < closing:
        return t
    day = local.date() if local.hour < 8 and local.weekday() < 6 else local.date() + timedelta(1)
    if day.weekday() == 6:
        day += timedelta(days=1)
    return local_time(day, 8 * 3600 + rng.uniform(0, 5400), tz)
