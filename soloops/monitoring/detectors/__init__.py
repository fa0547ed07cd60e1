"""Built-in alert detectors: each a small function that looks at the shop now and returns what
is wrong (a ``Finding`` per problem), with its threshold from Settings. ``services.alerts``
turns findings into alerts (fire, dedupe, resolve) and tells the owner.

A detector only reads; it never fixes. What recovers by itself (stalled runs handed to a live
worker, deliveries retried, lost events relayed, a dead worker restarted by ``soloops run``)
does so elsewhere; a detector speaks when that has not helped within its threshold.

The flow engine and the outbound webhooks sit beside monitoring (neither imports the other):
their figures are handed over at start-up by the layer above both, through
``services.alert_source_add`` (the scheduler, which runs the detectors). A detector whose
source was not handed over does not run in that process, and its open alerts stay as they are.
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

# {source name: read()}, filled by the layer above (see the module's docstring).
SOURCES: dict[str, Callable] = {}


def detectors() -> dict[str, Detector]:
    from . import anomalies, backlog, backups, disk, flows, orders, processes, tasks, webhooks

    found: dict[str, Detector] = {
        "process_silent": processes.process_silent,
        "event_backlog": backlog.event_backlog,
        "tasks_failing": tasks.tasks_failing,
        "disk_nearly_full": disk.disk_nearly_full,
        "backup_overdue": backups.backup_overdue,
        "paid_not_shipped": orders.paid_not_shipped,
        "held_too_long": orders.held_too_long,
        "sku_out_of_stock": orders.sku_out_of_stock,
        "anomaly": anomalies.anomalies,
    }
    if "flow_runs_failed" in SOURCES:
        found["runs_failed"] = flows.runs_failed
    if "flow_runs_stalled" in SOURCES:
        found["runs_stalled"] = flows.runs_stalled
    if "webhooks_paused" in SOURCES:
        found["webhook_paused"] = webhooks.webhooks_paused
    return found
