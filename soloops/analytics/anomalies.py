"""Scoring a day's figures against the same weekday of the weeks before: robust z-scores.

For each metric, the history is the same weekday over the last five weeks, leaving out days
that had an anomaly (marked expected by the owner, a holiday or a promotion, or not).
z = (x - median) / s, where s is the median times the robust spread (1.4826 * MAD) of every
day's relative distance from its own weekday's median over the whole window (pooled: five
same weekdays alone are too few), never below the spread counts have anyway (the root of the
median: Poisson noise; for revenue, the median over the root of the orders). Thresholds per
metric and direction (``METRICS``): 3 for a drop in sales, 5 for a spike in sales, 3.5 for a
rise in failures, refunds or holds. The explanation gives the usual range (median +- 2 s):
"orders 23 vs usually 61-88 on a Tuesday". A change under ``MIN_JUMP`` never counts.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

WEEKS = 5
THRESHOLD = 3.5
MIN_HISTORY = 3
MIN_JUMP = 6
SEASON_DAYS = 7
# metric → {direction: the |z| from which it is an anomaly}. A drop in sales is what costs a
# shop (a broken checkout), so it alarms earlier; a spike in sales only when it is striking;
# failures, refunds and holds alarm on a rise.
SALES = {"drop": 3.0, "spike": 5.0}
METRICS = {
    "orders_placed": SALES,
    "revenue": SALES,
    "payments_failed": {"spike": THRESHOLD},
    "refunds_count": {"spike": THRESHOLD},
    "flow_runs_failed": {"spike": THRESHOLD},
    "orders_held": {"spike": THRESHOLD},
}


@dataclass(frozen=True)
class Finding:
    metric: str
    value: float
    expected_low: float
    expected_high: float
    z: float
    direction: str  # "drop" or "spike"


def _weekday_medians(values: dict[date, dict], days: list[date], metric: str) -> dict:
    """Each weekday's median of ``metric`` over ``days``."""
    by_weekday: dict[int, list[float]] = {}
    for d in days:
        by_weekday.setdefault(d.weekday(), []).append(float(values[d][metric]))
    return {wd: float(np.median(v)) for wd, v in by_weekday.items()}


def _relative_spread(values: dict[date, dict], days: list[date], metric: str) -> float:
    """The robust spread of every day's relative distance from its weekday's median, pooled
    over the window (35 days, not 5): how far an ordinary day strays, as a share."""
    medians = _weekday_medians(values, days, metric)
    shares = [
        (float(values[d][metric]) - medians[d.weekday()]) / medians[d.weekday()]
        for d in days
        if medians[d.weekday()] > 0
    ]
    if len(shares) < SEASON_DAYS:
        return 0.0
    shares_array = np.array(shares)
    return 1.4826 * float(np.median(np.abs(shares_array - np.median(shares_array))))


def score_day(day: date, values: dict[date, dict[str, float]], skip: set[date]) -> list[Finding]:
    """The anomalies of ``day``; ``values`` maps days to their metrics; ``skip``: days the
    owner marked expected, left out of the history."""
    if day not in values:
        return []
    window = [
        d
        for d in (day - timedelta(days=i) for i in range(1, WEEKS * 7 + 1))
        if d in values and d not in skip
    ]
    history_days = [d for d in window if d.weekday() == day.weekday()]
    if len(history_days) < MIN_HISTORY:
        return []
    findings = []
    for metric, directions in METRICS.items():
        x = float(values[day][metric])
        median = float(np.median([float(values[d][metric]) for d in history_days]))
        if abs(x - median) < MIN_JUMP:
            continue
        # The spread: the pooled relative spread of the window's days, and never below what
        # counts vary by anyway (Poisson: the root of the median).
        relative = _relative_spread(values, window, metric) if median >= 5 else 0.0
        sigma = max(relative * median, np.sqrt(max(median, 1.0)))
        if metric == "revenue":
            orders = float(np.median([float(values[d]["orders_placed"]) for d in history_days]))
            sigma = max(relative * median, median / np.sqrt(max(orders, 1.0)))
        z = (x - median) / sigma
        direction = "spike" if z > 0 else "drop"
        if direction in directions and abs(z) >= directions[direction]:
            spread = 2 * sigma
            findings.append(
                Finding(metric, x, max(0.0, median - spread), median + spread, float(z), direction)
            )
    return findings
