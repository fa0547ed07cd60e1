"""Event types the automation app emits, and the handlers it registers.

- ``schedule.created`` / ``schedule.updated``: {name, cron, timezone, enabled}
- ``schedule.fired``: {schedule, slot} — one per (schedule, slot), whichever scheduler won.

- ``flow.saved`` / ``flow.published`` / ``flow.enabled`` / ``flow.disabled``: {key, version}
- ``flow_run.started`` / ``.awaiting_approval`` / ``.approved`` / ``.rejected`` /
  ``.completed`` / ``.failed`` / ``.retried`` / ``.skipped`` / ``.cancelling`` (the owner's
  cancel, when steps are to be undone) / ``.cancelled`` (``compensated``: the undone steps):
  {flow, ...}
"""

from .handlers import schedule_run
from .services.runs import flows_on_event

HANDLERS = {
    # Every event but a run's own flow_run.* may start a flow or resume a run waiting for it.
    "*": [flows_on_event],
    "schedule.fired": [schedule_run],
}
