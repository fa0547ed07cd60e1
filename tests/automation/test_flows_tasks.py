"""How many tasks and commits a run costs: the engine's part of flow throughput.

A run that an event starts completes in the event's dispatch task (no task of its own), and
consecutive internal steps share one transaction in which a failing step rolls back alone.
"""

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from soloops.automation.models import FlowRun, RunStatus
from soloops.automation.services import EventSpec, event_emit, events_emit
from soloops.automation.services.runs import INLINE_RUNS
from tests.automation.conftest import SYSTEM, emit, publish
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


def run_one_task() -> None:
    """Run exactly one ready task with the real database worker."""
    Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="in-test",
    ).run()


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
    assert ready_tasks() == ["soloops.automation.tasks.dispatch_events"]
    run_one_task()

    # then the run is complete, both steps wrote once, and no task is left for it
    run = FlowRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write first", "write second"]
    assert ready_tasks() == []


def test_a_dispatch_of_many_events_advances_a_few_runs_itself_and_queues_the_rest(
    transactional_db, probe_dir, settle
):
    # given the flow and more events than one dispatch task advances itself, in one dispatch
    publish(FLOW)
    settle()
    count = INLINE_RUNS + 3
    with transaction.atomic():
        events_emit(
            specs=[EventSpec("probe.ping", ("probe.thing", n), {}) for n in range(count)],
            actor=SYSTEM,
        )
    assert ready_tasks() == ["soloops.automation.tasks.dispatch_events"]

    # when the dispatch task runs
    run_one_task()

    # then it completed INLINE_RUNS runs and queued one advance task for each other run
    assert FlowRun.objects.filter(status=RunStatus.COMPLETED).count() == INLINE_RUNS
    assert ready_tasks() == ["soloops.automation.tasks.advance_run"] * 3

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
