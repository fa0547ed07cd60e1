"""Built-in alert detectors: each a small function that looks at the shop now and returns what
is wrong (a ``Finding`` per problem), with its threshold from Settings. ``services.alerts``
turns findings into alerts (fire, dedupe, resolve) and tells the owner.

A detector only reads; it never fixes. What recovers by itself (stalled runs handed to a live
worker, deliveries retried, lost events relayed, a dead worker restarted by ``soloops run``)
does so elsewhere; a detector speaks when that has not helped within its threshold.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    key: str  # stable while the problem lasts: "process_silent:worker"
    severity: str  # "warning" / "critical"
    title: str  # one line, in the owner's words
    detail: str = ""


Detector = Callable[[], list[Finding]]


def detectors() -> dict[str, Detector]:
    from . import backlog, backups, disk, processes, tasks

    return {
        "process_silent": processes.process_silent,
        "event_backlog": backlog.event_backlog,
        "tasks_failing": tasks.tasks_failing,
        "disk_nearly_full": disk.disk_nearly_full,
        "backup_overdue": backups.backup_overdue,
    }
