"""The platform's process-level promises, proved with real worker and scheduler processes.

Each test starts ``soloops`` processes against the test database and polls for the condition
it needs (``wait_until``); nothing is mocked, nothing sleeps for timing, and nothing asserts how
long anything took.
"""

import shutil
import signal
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soloops.accounts.actors import Actor
from soloops.automation.models import Delivery, DeliveryStatus, Event, Schedule, ScheduleFiring
from soloops.automation.services import schedule_upsert
from soloops.automation.services.schedules import schedule_latest_slot
from soloops.events.services import event_emit
from soloops.monitoring.models import Heartbeat
from tests.conftest import wait_until
from tests.probe.models import Hit

pytestmark = pytest.mark.processes

ACTOR = Actor.system("test")
BLOCKING_HANDLER = "tests.probe.handlers.blocking"


def emit(type: str) -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=("probe.thing", 1), payload={}, actor=ACTOR)


def is_dispatched(event: Event) -> bool:
    return Event.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists()


def line_count(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.fixture
def probe_dir() -> Path:
    """The directory the blocking probe handler writes to, empty for this test."""
    path = Path(settings.PROBE_DIR)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_event_committed_while_no_worker_runs_is_dispatched_once_a_worker_starts(processes):
    # given an event committed while no worker is running: its dispatch waits in the queue
    event = emit("probe.recorded")
    assert not Hit.objects.filter(event_id=event.pk).exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1

    # when a worker starts
    processes.start("worker")

    # then each handler ran exactly once and the event is marked dispatched
    wait_until(lambda: is_dispatched(event), what="the event to be dispatched")
    assert sorted(Hit.objects.filter(event_id=event.pk).values_list("handler", flat=True)) == [
        "record",
        "record_again",
    ]
    assert list(
        Delivery.objects.filter(event=event).order_by("handler").values_list("handler", "status")
    ) == [
        ("tests.probe.handlers.record", DeliveryStatus.DONE),
        ("tests.probe.handlers.record_again", DeliveryStatus.DONE),
    ]


def test_worker_killed_mid_handler_loses_nothing_and_the_handler_commits_once(processes, probe_dir):
    # given a worker that is in the middle of a handler
    event = emit("probe.blocking")
    started = probe_dir / f"started-{event.pk}"
    release = probe_dir / f"release-{event.pk}"
    worker = processes.start("worker")
    wait_until(lambda: line_count(started) == 1, what="the blocking handler to start")

    # when the worker is killed outright
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL

    # then nothing of the handler's transaction survived, and its task row is stuck RUNNING,
    # so no worker will ever pick that task up again
    assert not Delivery.objects.filter(
        event=event, handler=BLOCKING_HANDLER, status=DeliveryStatus.DONE
    ).exists()
    assert not Hit.objects.filter(event_id=event.pk).exists()
    assert not is_dispatched(event)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING

    # when the handler may finish and a new worker and a scheduler start
    release.touch()
    processes.start("worker")
    processes.start("scheduler", "--tick", "0.2")

    # then the scheduler's relay handed the event out again and the handler ran to the end once
    wait_until(lambda: is_dispatched(event), what="the relayed event to be dispatched")
    assert line_count(started) == 2  # it started again in the new worker
    assert Hit.objects.filter(event_id=event.pk).count() == 1
    delivery = Delivery.objects.get(event=event, handler=BLOCKING_HANDLER)
    assert delivery.status == DeliveryStatus.DONE
    event.refresh_from_db()
    assert event.dispatch_attempts >= 1  # it was relayed


def test_two_schedulers_fire_each_slot_of_a_schedule_once(processes):
    # given a per-minute schedule that existed before the current minute began
    schedule = schedule_upsert(
        name="every minute",
        cron="* * * * *",
        task_path="tests.probe.handlers.tick",
        actor=ACTOR,
    )
    Schedule.objects.filter(pk=schedule.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    first_slot = schedule_latest_slot(cron="* * * * *", tz="UTC", now=timezone.now())

    # when a worker and two schedulers run against the same database
    processes.start("worker")
    schedulers = [processes.start("scheduler", "--tick", "0.1") for _ in range(2)]

    # then, once the current slot fired and both schedulers raced over many ticks ...
    wait_until(
        lambda: ScheduleFiring.objects.filter(schedule=schedule, slot__gte=first_slot).exists(),
        what="the current slot to fire",
    )
    wait_until(
        lambda: Heartbeat.objects.filter(role="scheduler", beats__gte=20).count() == 2,
        what="both schedulers to tick at least 20 times",
    )
    for scheduler in schedulers:  # ... they stop cleanly, so no new slot fires while we look
        scheduler.send_signal(signal.SIGTERM)
    for scheduler in schedulers:
        assert scheduler.wait(timeout=15) == 0
    fired = Event.objects.filter(type="schedule.fired", subject_id=str(schedule.pk))
    wait_until(
        lambda: not fired.filter(dispatched_at__isnull=True).exists(),
        what="every schedule.fired event to be dispatched",
    )

    # ... each slot fired once: one firing row, one event and one run of the function
    # (a second slot may have fired if the minute turned during the test)
    slots = list(ScheduleFiring.objects.filter(schedule=schedule).values_list("slot", flat=True))
    assert slots
    assert len(slots) == len(set(slots))
    assert Counter(e.payload["slot"] for e in fired) == Counter(s.isoformat() for s in slots)
    ticks = Counter(
        Hit.objects.filter(handler__startswith="tick ").values_list("handler", flat=True)
    )
    assert ticks == Counter(f"tick {s.isoformat()}" for s in slots)
