"""Event types the automation app emits, and the handlers it registers.

- ``schedule.created`` / ``schedule.updated``: {name, cron, timezone, enabled}
- ``schedule.fired``: {schedule, slot} — one per (schedule, slot), whichever scheduler won.
"""

from .handlers import schedule_run

HANDLERS = {
    "schedule.fired": [schedule_run],
}
