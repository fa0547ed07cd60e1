"""Every write the flow engine makes: flows, runs, approvals, firing schedules.

Emitting and dispatching events is the bottom layer's job: ``soloops.events.services``.
"""

from .flows import (
    flow_import,
    flow_publish,
    flow_save,
    flow_set_enabled,
    flow_validate,
    flows_install_defaults,
    flows_upgrade_defaults,
)
from .runs import (
    approval_settle,
    flow_run_advance,
    flow_run_cancel,
    flow_run_decide,
    flow_run_retry,
    flow_run_skip,
    flow_run_start_manual,
    flow_runs_advance,
    flow_runs_wake_due,
    flows_on_event,
    runs_advanced_here,
)
from .schedules import schedule_upsert, schedules_fire_due

__all__ = [
    "approval_settle",
    "flow_import",
    "flow_publish",
    "flow_run_advance",
    "flow_run_cancel",
    "flow_run_decide",
    "flow_run_retry",
    "flow_run_skip",
    "flow_run_start_manual",
    "flow_runs_advance",
    "flow_runs_wake_due",
    "flow_save",
    "flow_set_enabled",
    "flow_validate",
    "flows_install_defaults",
    "flows_on_event",
    "flows_upgrade_defaults",
    "runs_advanced_here",
    "schedule_upsert",
    "schedules_fire_due",
]
