"""Event types the automation app emits, and the handlers it registers.

- ``schedule.created`` / ``schedule.updated``: {name, cron, timezone, enabled}
- ``schedule.fired``: {schedule, slot} — one per (schedule, slot), whichever scheduler won.

- ``flow.saved`` / ``flow.published`` / ``flow.enabled`` / ``flow.disabled``: {key, version}
- ``flow_run.started`` / ``.awaiting_approval`` / ``.approved`` / ``.rejected`` /
  ``.completed`` / ``.failed`` / ``.retried`` / ``.skipped`` / ``.cancelling`` (the owner's
  cancel, when steps are to be undone) / ``.cancelled`` (``compensated``: the undone steps):
  {flow, ...}
- ``flow_run.settled``: {flow, step, decision, event_id, note} — its approve step's subject was
  decided elsewhere (``services.approvals``); the run completed without its remaining steps.
"""

from soloops.events.catalogue import EventType, Payload, declare

from .handlers import schedule_run
from .services.approvals import SETTLES, approvals_settle_on_event
from .services.runs import flows_on_event

HANDLERS = {
    # Every event but a run's own flow_run.* may start a flow or resume a run waiting for it.
    "*": [flows_on_event],
    "schedule.fired": [schedule_run],
    # A decision made anywhere settles the flows' pending questions about the same subject.
    **{decision: [approvals_settle_on_event] for decision in SETTLES},
}


class ScheduleSaved(Payload):
    name: str
    cron: str
    timezone: str
    enabled: bool


class ScheduleFired(Payload):
    schedule: str
    slot: str


class FlowPayload(Payload):
    key: str


class FlowSaved(FlowPayload):
    version: int
    created: bool


class FlowPublished(FlowPayload):
    version: int
    trigger: str


class RunPayload(Payload):
    """Every run event but retried/skipped names its flow."""


class RunOfFlow(Payload):
    flow: str


class RunSettled(RunOfFlow):
    step: str
    decision: str
    event_id: int
    note: str


_RUN = "automation.flowrun"
_RUN_EVENTS = {
    "started": (RunOfFlow, "a flow run started"),
    "awaiting_approval": (RunOfFlow, "a run asks the owner (message)"),
    "approved": (RunOfFlow, "the owner approved a run's question"),
    "rejected": (RunOfFlow, "the owner rejected a run's question"),
    "completed": (RunOfFlow, "a run finished"),
    "failed": (RunOfFlow, "a run failed (error); it waits in the failed-runs inbox"),
    "retried": (RunPayload, "someone retried a failed run (step)"),
    "skipped": (RunPayload, "someone skipped a failed run's step"),
    "cancelled": (RunOfFlow, "someone cancelled a run (compensated: the undone steps)"),
    "cancelling": (RunOfFlow, "someone cancelled a run; its steps are being undone"),
    "settled": (RunSettled, "a run's question was answered elsewhere; the run completed"),
}
EVENTS = declare(
    EventType("schedule.created", ScheduleSaved, "a cron schedule was added"),
    EventType("schedule.updated", ScheduleSaved, "a cron schedule changed"),
    EventType("schedule.fired", ScheduleFired, "a schedule's slot fired (once per slot)"),
    EventType("flow.saved", FlowSaved, "a flow version was saved", "automation.flow"),
    EventType("flow.published", FlowPublished, "a flow version went live", "automation.flow"),
    EventType("flow.enabled", FlowPayload, "a flow was switched on", "automation.flow"),
    EventType("flow.disabled", FlowPayload, "a flow was switched off", "automation.flow"),
    *(EventType(f"flow_run.{name}", p, doc, _RUN) for name, (p, doc) in _RUN_EVENTS.items()),
)
