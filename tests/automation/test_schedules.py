"""Cron slots: which slot is due at an explicit ``now``, and firing it once.

Missed-slot policy: after downtime a schedule fires only its latest slot, never a slot from
before it was created, and never a slot it already fired.
"""

from datetime import UTC, datetime

import pytest

from soloops.accounts.actors import Actor
from soloops.automation.errors import AutomationErrorCode
from soloops.automation.models import Event, Schedule, ScheduleFiring
from soloops.automation.services import schedule_upsert, schedules_fire_due
from soloops.automation.services.schedules import schedule_due_slot, schedule_latest_slot
from soloops.errors import InvalidInput

ACTOR = Actor.system("test")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_schedule(*, cron: str, created_at: datetime, tz: str = "UTC", name: str = "s") -> Schedule:
    schedule = schedule_upsert(name=name, cron=cron, tz=tz, actor=ACTOR)
    Schedule.objects.filter(pk=schedule.pk).update(created_at=created_at)
    schedule.refresh_from_db()
    return schedule


def fired_events(schedule: Schedule) -> list[str]:
    return [
        e.payload["slot"]
        for e in Event.objects.filter(type="schedule.fired", subject_id=str(schedule.pk))
    ]


# --- schedule_latest_slot -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2025, 3, 10, 10, 45), utc(2025, 3, 10, 10, 45)),  # exactly on a slot: that slot
        (utc(2025, 3, 10, 10, 59, 59, 999999), utc(2025, 3, 10, 10, 45)),
        (utc(2025, 3, 10, 10, 44, 59, 999999), utc(2025, 3, 10, 10, 30)),  # not yet 10:45
    ],
)
def test_latest_slot_is_the_last_one_at_or_before_now(now, expected):
    assert schedule_latest_slot(cron="*/15 * * * *", tz="UTC", now=now) == expected


def test_latest_slot_reads_the_cron_in_the_schedules_time_zone():
    # "0 9 * * *" in Shanghai (UTC+8, no daylight saving) is 01:00 UTC
    cron, tz = "0 9 * * *", "Asia/Shanghai"
    assert schedule_latest_slot(cron=cron, tz=tz, now=utc(2025, 3, 10, 1, 0)) == utc(
        2025, 3, 10, 1, 0
    )
    # 08:59:59 in Shanghai: today's 9 o'clock has not come, so yesterday's is the latest
    assert schedule_latest_slot(cron=cron, tz=tz, now=utc(2025, 3, 10, 0, 59, 59)) == utc(
        2025, 3, 9, 1, 0
    )


def test_latest_slot_follows_daylight_saving_time():
    # 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST)
    cron, tz = "0 9 * * *", "Europe/Berlin"
    assert schedule_latest_slot(cron=cron, tz=tz, now=utc(2025, 3, 28, 12)) == utc(2025, 3, 28, 8)
    assert schedule_latest_slot(cron=cron, tz=tz, now=utc(2025, 3, 31, 12)) == utc(2025, 3, 31, 7)


# --- schedule_due_slot ----------------------------------------------------------------------


def test_due_slot_after_downtime_is_only_the_latest_missed_slot():
    # given an hourly schedule last fired at 01:00, and no scheduler ran until 05:30
    schedule = Schedule(cron="0 * * * *", time_zone="UTC", created_at=utc(2025, 1, 1, 0, 0))

    # then only the 05:00 slot is due, not 02:00, 03:00 and 04:00 as well
    due = schedule_due_slot(
        schedule=schedule, last_slot=utc(2025, 1, 1, 1), now=utc(2025, 1, 1, 5, 30)
    )
    assert due == utc(2025, 1, 1, 5)


def test_no_slot_is_due_from_before_the_schedule_was_created():
    # given a daily 09:00 schedule created at 09:05
    schedule = Schedule(cron="0 9 * * *", time_zone="UTC", created_at=utc(2025, 1, 1, 9, 5))

    # then that day's 09:00 slot is not due, the next day's is
    assert schedule_due_slot(schedule=schedule, last_slot=None, now=utc(2025, 1, 1, 23)) is None
    assert schedule_due_slot(schedule=schedule, last_slot=None, now=utc(2025, 1, 2, 9)) == utc(
        2025, 1, 2, 9
    )


def test_a_slot_already_fired_is_not_due_again():
    schedule = Schedule(cron="*/5 * * * *", time_zone="UTC", created_at=utc(2025, 1, 1))
    fired = utc(2025, 1, 1, 10, 5)
    assert schedule_due_slot(schedule=schedule, last_slot=fired, now=utc(2025, 1, 1, 10, 9)) is None
    assert schedule_due_slot(
        schedule=schedule, last_slot=fired, now=utc(2025, 1, 1, 10, 10)
    ) == utc(2025, 1, 1, 10, 10)


# --- schedules_fire_due ---------------------------------------------------------------------


def test_fire_due_after_downtime_fires_once_for_the_latest_slot(db):
    # given an hourly schedule created at midnight whose scheduler was down until 05:30
    schedule = make_schedule(cron="0 * * * *", created_at=utc(2025, 1, 1, 0, 0))

    # when two scheduler ticks run at 05:30 and 05:59
    first = schedules_fire_due(fired_by="a", now=utc(2025, 1, 1, 5, 30))
    second = schedules_fire_due(fired_by="b", now=utc(2025, 1, 1, 5, 59))

    # then the 05:00 slot fired once, with one event, and the missed hours did not
    assert [f.slot for f in first] == [utc(2025, 1, 1, 5)]
    assert second == []
    assert list(ScheduleFiring.objects.values_list("slot", "fired_by")) == [
        (utc(2025, 1, 1, 5), "a")
    ]
    assert fired_events(schedule) == [utc(2025, 1, 1, 5).isoformat()]

    # when the next slot comes
    third = schedules_fire_due(fired_by="b", now=utc(2025, 1, 1, 6, 0, 0, 1))

    # then it fires once too
    assert [f.slot for f in third] == [utc(2025, 1, 1, 6)]
    assert fired_events(schedule) == [
        utc(2025, 1, 1, 5).isoformat(),
        utc(2025, 1, 1, 6).isoformat(),
    ]


def test_fire_due_fires_nothing_from_before_the_schedule_was_created(db):
    schedule = make_schedule(cron="0 9 * * *", created_at=utc(2025, 1, 1, 9, 5))
    assert schedules_fire_due(fired_by="a", now=utc(2025, 1, 1, 23, 59)) == []
    assert fired_events(schedule) == []


def test_fire_due_reads_the_cron_in_the_schedules_time_zone(db):
    # given "every day at 09:00 in Shanghai", created the previous evening (UTC)
    schedule = make_schedule(
        cron="0 9 * * *", tz="Asia/Shanghai", created_at=utc(2025, 3, 9, 12, 0)
    )

    # when a tick runs at 08:30 Shanghai time (00:30 UTC), then nothing is due
    assert schedules_fire_due(fired_by="a", now=utc(2025, 3, 10, 0, 30)) == []

    # when a tick runs at 09:00 Shanghai time (01:00 UTC), then that slot fires
    fired = schedules_fire_due(fired_by="a", now=utc(2025, 3, 10, 1, 0))
    assert [f.slot for f in fired] == [utc(2025, 3, 10, 1, 0)]
    assert fired_events(schedule) == ["2025-03-10T01:00:00+00:00"]


def test_fire_due_skips_disabled_schedules(db):
    make_schedule(cron="* * * * *", created_at=utc(2025, 1, 1))
    schedule_upsert(name="s", cron="* * * * *", actor=ACTOR, enabled=False)
    assert schedules_fire_due(fired_by="a", now=utc(2025, 1, 1, 1)) == []


# --- schedule_upsert ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"cron": "61 * * * *"}, "cron", AutomationErrorCode.INVALID_CRON),
        ({"cron": "every day"}, "cron", AutomationErrorCode.INVALID_CRON),
        ({"tz": "Mars/Olympus_Mons"}, "time_zone", AutomationErrorCode.INVALID_TIME_ZONE),
        ({"tz": "../../etc/passwd"}, "time_zone", AutomationErrorCode.INVALID_TIME_ZONE),
    ],
)
def test_upsert_rejects_bad_input_naming_the_field_and_changes_nothing(db, kwargs, field, code):
    # given an existing schedule
    schedule_upsert(name="daily", cron="0 9 * * *", tz="UTC", actor=ACTOR)
    events_before = Event.objects.count()

    # when it is updated with bad input, and a new one is created with bad input
    for name in ("daily", "new"):
        args = {"name": name, "cron": "0 10 * * *", "tz": "UTC", **kwargs}
        with pytest.raises(InvalidInput) as raised:
            schedule_upsert(actor=ACTOR, **args)

        # then the error names the field, and nothing changed
        assert raised.value.field == field
        assert raised.value.code == code
    assert list(Schedule.objects.values_list("name", "cron", "time_zone")) == [
        ("daily", "0 9 * * *", "UTC")
    ]
    assert Event.objects.count() == events_before


def test_a_schedule_row_that_cannot_be_read_does_not_stop_the_others(db, caplog):
    # given a schedule row with a broken cron and one with an unknown time zone, saved without
    # the service's checks (as the admin can), sorted before a healthy schedule
    Schedule.objects.create(name="a broken cron", cron="61 * * * *", created_at=utc(2025, 1, 1))
    Schedule.objects.create(
        name="a broken zone", cron="* * * * *", time_zone="Mars/Olympus", created_at=utc(2025, 1, 1)
    )
    healthy = make_schedule(name="healthy", cron="0 * * * *", created_at=utc(2025, 1, 1))

    # when a scheduler tick runs
    fired = schedules_fire_due(fired_by="a", now=utc(2025, 1, 1, 5, 30))

    # then the healthy schedule fired, and the broken ones are reported by name
    assert [(f.schedule_id, f.slot) for f in fired] == [(healthy.pk, utc(2025, 1, 1, 5))]
    assert "a broken cron" in caplog.text
    assert "a broken zone" in caplog.text
