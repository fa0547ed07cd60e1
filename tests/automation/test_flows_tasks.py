"""How many tasks and commits a run costs: the engine's part of flow throughput.

A run that an event starts completes in the event's dispatch task (no task of its own), and
consecutive internal steps share one transaction in which a failing step rolls back alone.
"""

import contextlib

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from soloops.automation.models import Event, FlowRun, RunStatus
from soloops.automation.services.runs import ADVANCE_BATCH, INLINE_RUNS
from soloops.events.services import (
    DISPATCH_CHUNK,
    DISPATCH_HERE_LIMIT,
    EventSpec,
    event_emit,
    events_dispatched_here,
    events_emit,
)
from tests.automation.conftest import SYSTEM, emit, publish
from tests.conftest import run_ready_tasks
from tests.probe.models import Hit

FLOW = """\
name: Two writes
trigger: {event: probe.ping}
steps:
  - do: probe.write
    with: {name: first}
  - do: probe.write
    with: {name: second}
"""


def ready_tasks() -> list[str]:
    return list(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_a_run_started_by_an_event_completes_in_the_events_dispatch_task(
    transactional_db, probe_dir, settle
):
    # given a flow of two internal steps triggered by probe.ping, its publishing settled
    publish(FLOW)
    settle()

    # when the event is emitted and exactly one task (its dispatch) runs
    emit("probe.ping")
    assert ready_tasks() == ["soloops.events.tasks.dispatch_events"]
    run_ready_tasks(max_tasks=1)

    # then the run is complete, both steps wrote once, and no task is left for it
    run = FlowRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write first", "write second"]
    assert ready_tasks() == []


EMITTING_FLOW = """\
name: Emits
trigger: {event: probe.ping}
steps:
  - do: probe.emit
    with: {type: probe.recorded}
"""


def test_the_events_a_dispatch_tasks_runs_emit_are_dispatched_in_the_same_task(
    transactional_db, probe_dir, settle
):
    # given a flow whose step emits probe.recorded (whose handlers write Hits) on probe.ping
    publish(EMITTING_FLOW)
    settle()

    # when the ping is emitted and exactly one task (its dispatch) runs
    emit("probe.ping")
    assert ready_tasks() == ["soloops.events.tasks.dispatch_events"]
    run_ready_tasks(max_tasks=1)

    # then the run completed, its event was dispatched in that task (its handlers wrote once
    # each), and no task is left: not one dispatch task per transaction
    run = FlowRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    recorded = Event.objects.get(type="probe.recorded")
    assert recorded.dispatched_at is not None
    assert sorted(Hit.objects.filter(event_id=recorded.pk).values_list("handler", flat=True)) == [
        "record",
        "record_again",
    ]
    assert ready_tasks() == []


def test_a_task_dispatches_at_most_its_limit_of_the_events_it_committed_and_queues_the_rest(
    transactional_db,
):
    # when a task's block commits more events than it dispatches itself
    with events_dispatched_here(), transaction.atomic():
        emitted = [ping(n).pk for n in range(DISPATCH_HERE_LIMIT + 3)]

    # then it dispatched the first DISPATCH_HERE_LIMIT of them, and one dispatch task has the rest
    undispatched = Event.objects.filter(pk__in=emitted, dispatched_at__isnull=True)
    assert sorted(undispatched.values_list("pk", flat=True)) == emitted[DISPATCH_HERE_LIMIT:]
    assert dispatch_tasks() == [emitted[DISPATCH_HERE_LIMIT:]]


def test_a_task_that_fails_after_its_events_committed_leaves_them_to_dispatch_tasks(
    transactional_db,
):
    # when a task's block commits an event and then raises
    with contextlib.suppress(RuntimeError), events_dispatched_here():
        with transaction.atomic():
            event = ping()
        raise RuntimeError("the task failed after its commit")

    # then the event is not lost: a dispatch task hands it out
    assert dispatch_tasks() == [[event.pk]]


def test_a_dispatch_of_many_events_advances_a_few_runs_itself_and_queues_the_rest_in_batches(
    transactional_db, probe_dir, settle
):
    # given the flow and more events than one dispatch task advances itself, in one dispatch
    publish(FLOW)
    settle()
    count = INLINE_RUNS + ADVANCE_BATCH + 3
    with transaction.atomic():
        events_emit(
            specs=[EventSpec("probe.ping", ("probe.thing", n), {}) for n in range(count)],
            actor=SYSTEM,
        )
    assert ready_tasks() == ["soloops.events.tasks.dispatch_events"]

    # when the dispatch task runs
    run_ready_tasks(max_tasks=1)

    # then it completed INLINE_RUNS runs and queued the others in advance tasks of
    # ADVANCE_BATCH runs each
    assert FlowRun.objects.filter(status=RunStatus.COMPLETED).count() == INLINE_RUNS
    queued = DBTaskResult.objects.filter(status="READY")
    assert [t.task_path for t in queued] == ["soloops.automation.tasks.advance_runs"] * 2
    assert sorted(len(t.args_kwargs["kwargs"]["run_ids"]) for t in queued) == [
        count - INLINE_RUNS - ADVANCE_BATCH,
        ADVANCE_BATCH,
    ]

    # and the workers finish them
    settle()
    assert FlowRun.objects.filter(status=RunStatus.COMPLETED).count() == count
    assert Hit.objects.count() == 2 * count


def test_a_failing_internal_step_rolls_back_alone_in_the_shared_transaction(
    transactional_db, probe_dir, settle, advance_clock
):
    # given three internal steps, the last failing once after its write
    publish(
        """\
name: Fails once
trigger: {event: probe.ping}
steps:
  - do: probe.write
    with: {name: a}
  - do: probe.write
    with: {name: b}
  - do: probe.write
    with: {name: c, fail_times: 1, fail: after}
    retry: {attempts: 2, backoff: 1s}
"""
    )

    # when the event runs the flow
    with transaction.atomic():
        event_emit(type="probe.ping", subject=("probe.thing", 1), payload={}, actor=SYSTEM)
    settle()

    # then a and b are committed, c's failed write is not, and the run waits to retry c
    run = FlowRun.objects.get()
    assert run.status == RunStatus.WAITING
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write a", "write b"]

    # and the retry commits c once, without repeating a or b
    advance_clock(seconds=5)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert list(Hit.objects.values_list("handler", flat=True)) == [
        "write a",
        "write b",
        "write c",
    ]


def dispatch_tasks() -> list[list[int]]:
    return [
        t.args_kwargs["kwargs"]["event_ids"]
        for t in DBTaskResult.objects.filter(
            status="READY", task_path="soloops.events.tasks.dispatch_events"
        ).order_by("enqueued_at")
    ]


def ping(n: int = 0):
    """An event some handler takes (probe.recorded's write Hits), so it is dispatched."""
    return event_emit(type="probe.recorded", subject=("probe.thing", n), payload={}, actor=SYSTEM)


def test_events_emitted_one_by_one_in_a_transaction_share_dispatch_tasks(transactional_db):
    # when a transaction emits one more event than a dispatch task takes, one call each
    with transaction.atomic():
        emitted = [ping(n).pk for n in range(DISPATCH_CHUNK + 1)]

    # then two dispatch tasks hand them all out, in order
    assert dispatch_tasks() == [emitted[:DISPATCH_CHUNK], emitted[DISPATCH_CHUNK:]]


def test_a_rolled_back_savepoint_takes_its_events_but_not_the_others(transactional_db, settle):
    # when a transaction emits in a savepoint that rolls back, then again after it
    with transaction.atomic():
        before = ping(1)
        with contextlib.suppress(RuntimeError), transaction.atomic():
            ping(2)
            raise RuntimeError("the savepoint rolls back")
        with contextlib.suppress(RuntimeError), transaction.atomic():
            ping(3)  # the first emit of this savepoint: it starts no batch of its own
            raise RuntimeError("the savepoint rolls back")
        after = ping(4)

    # then the lost events never existed (SQLite may give a lost id to a later event: a batch
    # holding an id twice, or an id of no event, dispatches what exists) and the others are
    # dispatched
    pings = Event.objects.filter(type="probe.recorded")
    assert sorted(pings.values_list("subject_id", flat=True)) == ["1", "4"]
    assert {before.pk, after.pk} == set(pings.values_list("pk", flat=True))
    settle()
    assert pings.filter(dispatched_at__isnull=True).count() == 0


def test_a_transaction_that_starts_in_a_savepoint_rolled_back_still_dispatches(
    transactional_db,
):
    # when the first emit of a transaction is in a savepoint that rolls back
    with transaction.atomic():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            ping(1)
            raise RuntimeError("the savepoint rolls back")
        kept = ping(2)

    # then the event that was kept still gets its dispatch task at commit
    assert dispatch_tasks() == [[kept.pk]]
