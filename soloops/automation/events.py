"""Event types the automation app emits, and the handlers it registers.

- ``schedule.created`` / ``schedule.updated``: {name, cron, timezone, enabled}
- ``schedule.fired``: {schedule, slot} — one per (schedule, slot), whichever scheduler won.

- ``flow.saved`` / ``flow.published`` / ``flow.enabled`` / ``flow.disabled``: {key, version}
- ``flow_run.started`` / ``.awaiting_approval`` / ``.approved`` / ``.rejected`` /
  ``.completed`` / ``.failed`` / ``.retried`` / ``.skipped`` / ``.cancelled``: {flow, ...}
- ``flow_run.settled``: {flow, step, decision, event_id, note} — its approve step's subject was
  decided elsewhere (``services.approvals``); the run completed without its remaining steps.
"""

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
