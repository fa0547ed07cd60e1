"""Every write the automation app makes: emitting and dispatching events, firing schedules."""

from .events import EventSpec, event_emit, events_dispatch, events_emit, events_relay
from .schedules import schedule_upsert, schedules_fire_due

__all__ = [
    "EventSpec",
    "event_emit",
    "events_dispatch",
    "events_emit",
    "events_relay",
    "schedule_upsert",
    "schedules_fire_due",
]
