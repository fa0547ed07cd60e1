"""Which backups to keep: the newest of each of the last 7 days, 4 ISO weeks and 12 months
that have one (grandfather-father-son). Everything else may be deleted.

Days, weeks and months are counted in UTC, the time in the file names.
"""

from collections.abc import Iterable
from datetime import datetime

DAILY, WEEKLY, MONTHLY = 7, 4, 12


def to_keep(
    moments: Iterable[datetime], *, daily: int = DAILY, weekly: int = WEEKLY, monthly: int = MONTHLY
) -> set[datetime]:
    newest_first = sorted(set(moments), reverse=True)
    keep: set[datetime] = set()
    for period, count in (
        (lambda m: m.date(), daily),
        (lambda m: tuple(m.isocalendar())[:2], weekly),
        (lambda m: (m.year, m.month), monthly),
    ):
        seen = []
        for moment in newest_first:  # the first seen of a period is its newest
            key = period(moment)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(moment)
    return keep
