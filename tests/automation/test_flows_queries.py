"""Statements per run on the hot path: a run of internal steps advances in one stretch with
one update of the run and one insert of all its step rows, whatever its length; an action
that writes nothing (``log``) costs no savepoint; an event that starts a run costs its
dispatch two statements (the run, its started event), and runs advanced together no
savepoint each."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from soloops.automation.engine import trigger_index
from soloops.automation.models import Event, FlowRun, RunStatus, StepRun
from soloops.automation.services import flow_run_advance, flow_runs_advance
from soloops.events import registry
from soloops.events.services import DELIVERY_BATCH, EventSpec, events_dispatch, events_emit
from tests.automation.conftest import SYSTEM, publish, reload, start
from tests.probe.models import Hit


def internal_flow(steps: int, action: str = "log") -> str:
    call = (
        "    with: {message: 'step %d'}\n" if action == "log" else "    with: {name: 'step %d'}\n"
    )
    body = "".join(f"  - do: {action}\n" + call % i for i in range(steps))
    return f"name: Internal {action} {steps}\ntrigger: {{manual: true}}\nsteps:\n{body}"


def _advance_counted(run, django_assert_num_queries, expected: int):
    with django_assert_num_queries(expected) as captured:
        flow_run_advance(run_id=run.pk)
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("steps", [3, 12])
def test_a_run_of_log_steps_costs_the_same_statements_whatever_its_length(
    transactional_db, django_assert_num_queries, steps
):
    # given a started run of ``steps`` log steps
    run = start(publish(internal_flow(steps), key=f"internal-{steps}"))

    # when a worker advances it: begin; lock the run; read its steps; the completed event;
    # insert the step rows (one statement); update the run (one); commit — and no savepoint
    # around an action that writes nothing
    sqls = _advance_counted(run, django_assert_num_queries, 7)

    # then
    assert reload(run).status == RunStatus.COMPLETED
    assert StepRun.objects.filter(run=run).count() == steps
    writes = [sql for sql in sqls if "automation_steprun" in sql]
    assert sum(sql.startswith("INSERT") for sql in writes) == 1
    runs = [sql for sql in sqls if sql.startswith("UPDATE")]
    assert sum('"automation_flowrun"' in sql.replace("`", '"') for sql in runs) == 1  # MySQL: `…`


@pytest.mark.parametrize("steps", [3, 12])
def test_an_action_that_writes_runs_in_a_savepoint_of_its_own(
    transactional_db, django_assert_num_queries, steps
):
    # given a started run of ``steps`` probe.write steps (each writes a row)
    run = start(publish(internal_flow(steps, "probe.write"), key=f"writes-{steps}"))

    # when a worker advances it: as above, plus per step a savepoint, the action's insert
    # and the savepoint's release
    sqls = _advance_counted(run, django_assert_num_queries, 7 + 3 * steps)

    # then each action had its savepoint, so a failing one rolls back alone
    assert reload(run).status == RunStatus.COMPLETED
    assert sum(sql.startswith("SAVEPOINT") for sql in sqls) == steps


PINGED = """\
name: On ping, three steps
trigger: {event: probe.ping}
steps:
  - do: log
    with: {message: "ping {{ event.payload.n }}"}
  - do: probe.write
    with: {name: "pong {{ event.payload.n }}"}
  - do: log
    with: {message: "done"}
"""


def table(sql: str) -> str:
    """The table a statement writes ("" for a read or a transaction control statement)."""
    words = sql.replace("`", '"').split()
    if words[0] == "INSERT":
        return words[2].strip('"')
    if words[0] == "UPDATE":
        return words[1].strip('"')
    return ""


def emit_pings(count: int) -> list:
    specs = [EventSpec("probe.ping", ("probe.thing", n), {"n": n}) for n in range(count)]
    with transaction.atomic():
        return events_emit(specs=specs, actor=SYSTEM)


@pytest.mark.parametrize("count", [1, DELIVERY_BATCH])
def test_an_event_that_starts_a_run_costs_its_dispatch_two_statements(
    transactional_db, probe_dir, count
):
    # given a published event flow, ``count`` committed events for it, and a process that
    # has read which flows events start
    flow = publish(PINGED, key="pinged")
    events = emit_pings(count)
    with transaction.atomic():
        trigger_index.flows_stamp_bump()
    trigger_index.current()

    # when one dispatcher delivers them (in one batch), in the scope a dispatch task runs in
    with CaptureQueriesContext(connection) as captured, registry.dispatch_scope():
        assert events_dispatch(event_ids=[e.pk for e in events]) == count
    sqls = [q["sql"] for q in captured.captured_queries]
    sqls = sqls[: sqls.index("COMMIT") + 1]  # the batch's transaction (then: the runs')

    # then the batch is: begin; read the flows' stamp, the events; lock their deliveries;
    # insert the delivery rows; per event the run's insert and its flow_run.started event
    # (no savepoint around the handler, none around the run's insert); mark the events; commit.
    # MySQL and MariaDB cannot skip a refused insert: the run's insert has its savepoint.
    savepoints = 2 * count if connection.vendor == "mysql" else 0
    assert len(sqls) == 7 + 2 * count + savepoints, sqls
    writes = [table(sql) for sql in sqls if table(sql)]
    assert writes.count("automation_flowrun") == count
    assert writes.count("automation_event") == count + 1  # started events; the dispatched mark
    assert writes.count("automation_delivery") == 1
    assert sum(sql.startswith("SAVEPOINT") for sql in sqls) == savepoints // 2
    assert FlowRun.objects.filter(flow=flow, trigger_event__in=events).count() == count


def test_runs_advanced_together_cost_no_savepoint_each(transactional_db, probe_dir):
    # given five started runs of three steps each (one of which writes)
    flow = publish(PINGED, key="pinged")
    events = emit_pings(5)
    events_dispatch(event_ids=[e.pk for e in events])
    runs = list(FlowRun.objects.filter(flow=flow).order_by("pk").values_list("pk", flat=True))

    # when one worker advances them together
    with CaptureQueriesContext(connection) as captured:
        flow_runs_advance(run_ids=runs)
    sqls = [q["sql"] for q in captured.captured_queries]

    # then in one transaction: begin; lock the runs; read their step rows; per run the
    # writing action's savepoint, its insert and release, and the run's update; the step
    # rows of all five in one insert, their completed events in one; commit -- no savepoint
    # per run
    assert len(sqls) == 6 + 4 * 5, sqls
    assert sum(sql == "COMMIT" for sql in sqls) == 1
    assert sum(sql.startswith("SAVEPOINT") for sql in sqls) == 5  # the probe.write actions'
    writes = [table(sql) for sql in sqls if table(sql)]
    assert writes.count("automation_steprun") == 1
    assert writes.count("automation_event") == 1
    assert writes.count("automation_flowrun") == 5
    completed = Event.objects.filter(type="flow_run.completed", subject_type="automation.flowrun")
    assert sorted(completed.values_list("subject_id", "actor_id")) == sorted(
        (str(pk), str(pk)) for pk in runs
    )
    # each with its own run's correlation id (that of the event that started it)
    started_by = {
        str(run.pk): str(run.trigger_event.correlation_id)
        for run in FlowRun.objects.filter(pk__in=runs).select_related("trigger_event")
    }
    assert {e.subject_id: str(e.correlation_id) for e in completed} == started_by
    assert FlowRun.objects.filter(pk__in=runs, status=RunStatus.COMPLETED).count() == 5
    assert Hit.objects.count() == 5


def test_a_run_that_raises_among_runs_advanced_together_rolls_back_alone(
    transactional_db, probe_dir
):
    # given three started runs, the middle one's cursor on a step its document lacks (a run
    # the engine cannot advance: it raises, which no step kind handles)
    flow = publish(PINGED, key="pinged")
    events = emit_pings(3)
    events_dispatch(event_ids=[e.pk for e in events])
    first, broken, last = FlowRun.objects.filter(flow=flow).order_by("pk")
    FlowRun.objects.filter(pk=broken.pk).update(cursor="7")

    # when one worker advances them together
    flow_runs_advance(run_ids=[first.pk, broken.pk, last.pk])

    # then the others completed, each step's write committed once; the broken run wrote
    # nothing and is still running, for the scheduler to hand out once it has stalled
    assert reload(first).status == RunStatus.COMPLETED
    assert reload(last).status == RunStatus.COMPLETED
    assert sorted(Hit.objects.values_list("handler", flat=True)) == ["write pong 0", "write pong 2"]
    assert (reload(broken).status, reload(broken).cursor) == (RunStatus.RUNNING, "7")
    assert not StepRun.objects.filter(run=broken).exists()
    assert StepRun.objects.filter(run__in=[first, last]).count() == 6
