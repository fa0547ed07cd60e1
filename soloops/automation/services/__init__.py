"""Every write the automation app makes: emitting and dispatching events, firing schedules."""

from .events import event_emit, events_dispatch, events_relay
from .schedules import schedule_upsert, schedules_fire_due

__all__ = [
    "event_emit",
    "events_dispatch",
    "events_relay",
    "schedule_upsert",
    "schedules_fire_due",
]
