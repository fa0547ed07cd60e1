"""Cron schedules and their firing.

Missed-slot policy: a schedule fires only its latest due slot. After downtime it runs once,
not once per missed slot, and never for slots before it was created.
"""

import logging
import zoneinfo
from datetime import datetime, timedelta

from croniter import croniter
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.automation.errors import AutomationErrorCode
from soloops.automation.models import Schedule, ScheduleFiring
from soloops.errors import InvalidInput
from soloops.events.services import event_emit

logger = logging.getLogger(__name__)


def schedule_latest_slot(*, cron: str, tz: str, now: datetime) -> datetime:
    """The most recent slot at or before ``now`` (an aware datetime in UTC)."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(tz)).replace(microsecond=0)
    # get_prev is strictly before its base, so start one second later to include ``now``.
    slot = croniter(cron, local_now + timedelta(seconds=1)).get_prev(datetime)
    return slot.astimezone(zoneinfo.ZoneInfo("UTC"))


def schedule_due_slot(
    *, schedule: Schedule, last_slot: datetime | None, now: datetime
) -> datetime | None:
    """The slot to fire now: the latest one, if newer than the schedule and its last firing."""
    slot = schedule_latest_slot(cron=schedule.cron, tz=schedule.time_zone, now=now)
    if slot < schedule.created_at.replace(second=0, microsecond=0):
        return None
    if last_slot is not None and slot <= last_slot:
        return None
    return slot


def schedule_upsert(
    *,
    name: str,
    cron: str,
    actor: Actor,
    tz: str = "UTC",
    task_path: str = "",
    kwargs: dict | None = None,
    enabled: bool = True,
) -> Schedule:
    if not croniter.is_valid(cron):
        raise InvalidInput(
            AutomationErrorCode.INVALID_CRON,
            f"{cron!r} is not a valid cron expression",
            field="cron",
        )
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            AutomationErrorCode.INVALID_TIME_ZONE, f"unknown time zone {tz!r}", field="time_zone"
        ) from None
    with transaction.atomic():
        schedule, created = Schedule.objects.update_or_create(
            name=name,
            defaults={
                "cron": cron,
                "time_zone": tz,
                "task_path": task_path,
                "kwargs": kwargs or {},
                "enabled": enabled,
            },
        )
        event_emit(
            type="schedule.created" if created else "schedule.updated",
            subject=schedule,
            payload={"name": name, "cron": cron, "timezone": tz, "enabled": enabled},
            actor=actor,
        )
    return schedule


def schedules_fire_due(*, fired_by: str, now: datetime | None = None) -> list[ScheduleFiring]:
    """Fire each enabled schedule's due slot once, however many schedulers call this at once."""
    now = now or timezone.now()
    schedules = Schedule.objects.filter(enabled=True).annotate(last_slot=Max("firings__slot"))
    fired = []
    for schedule in schedules:
        try:
            slot = schedule_due_slot(schedule=schedule, last_slot=schedule.last_slot, now=now)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            # A row saved past schedule_upsert's checks (e.g. in the admin) must not stop the
            # other schedules, nor crash the scheduler and with it the relay.
            logger.exception(
                "schedule %r has an unreadable cron %r or time zone %r; skipping it",
                schedule.name,
                schedule.cron,
                schedule.time_zone,
            )
            continue
        if slot is None:
            continue
        try:
            with transaction.atomic():
                firing = ScheduleFiring.objects.create(
                    schedule=schedule, slot=slot, fired_by=fired_by
                )
                event_emit(
                    type="schedule.fired",
                    subject=schedule,
                    payload={"schedule": schedule.name, "slot": slot.isoformat()},
                    actor=Actor.system(f"scheduler {fired_by}"),
                )
        except IntegrityError:
            continue  # another scheduler fired this slot first
        fired.append(firing)
        logger.info("fired schedule %s for slot %s", schedule.name, slot.isoformat())
    return fired
