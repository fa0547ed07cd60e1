"""Runs of flows: the service names other code calls. The engine itself lives in
``soloops.automation.engine`` (one module per concern, one per step kind); this module keeps
the names, and the dotted paths stored in the database (the event handler's, the scheduled
task's), stable."""

from soloops.automation.engine import triggers
from soloops.automation.engine.advance import STEPS_PER_TASK, flow_run_advance
from soloops.automation.engine.control import (
    flow_run_cancel,
    flow_run_decide,
    flow_run_retry,
    flow_run_skip,
)
from soloops.automation.engine.dispatch import (
    ADVANCE_BATCH,
    INLINE_RUNS,
    flow_runs_advance,
    flow_runs_wake_due,
    runs_advanced_here,
)
from soloops.automation.engine.state import idempotency_key, run_actor, stalled_after
from soloops.automation.engine.steps.approve import approval_settle
from soloops.automation.engine.triggers import (
    MAX_DEPTH,
    flow_run_start,
    flow_run_start_manual,
    flow_start_scheduled,
)
from soloops.automation.models import Event

__all__ = [
    "ADVANCE_BATCH",
    "INLINE_RUNS",
    "MAX_DEPTH",
    "STEPS_PER_TASK",
    "approval_settle",
    "flow_run_advance",
    "flow_run_cancel",
    "flow_run_decide",
    "flow_run_retry",
    "flow_run_skip",
    "flow_run_start",
    "flow_run_start_manual",
    "flow_runs_advance",
    "flow_runs_wake_due",
    "flow_start_scheduled",
    "flows_on_event",
    "idempotency_key",
    "run_actor",
    "runs_advanced_here",
    "stalled_after",
]


def flows_on_event(event: Event) -> None:
    """Event handler for every type: start the flows it triggers, resume runs waiting for it
    (``engine.triggers``). Defined here because deliveries record the handler by this path."""
    triggers.flows_on_event(event)


flows_on_event.ignores = triggers.flows_on_event.ignores
flows_on_event.wants = triggers.flows_on_event.wants
