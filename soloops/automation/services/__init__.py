"""Every write the automation app makes: emitting and dispatching events, firing schedules."""

from .events import (
    EventSpec,
    PastEvent,
    event_emit,
    events_dispatch,
    events_emit,
    events_import,
    events_relay,
)
from .flows import (
    flow_import,
    flow_publish,
    flow_save,
    flow_set_enabled,
    flow_validate,
    flows_install_defaults,
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
    "EventSpec",
    "PastEvent",
    "approval_settle",
    "event_emit",
    "events_dispatch",
    "events_emit",
    "events_import",
    "events_relay",
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
    "runs_advanced_here",
    "schedule_upsert",
    "schedules_fire_due",
]
