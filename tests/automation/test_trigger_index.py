"""Which flows an event starts is kept in each process and re-read only when a flow changed
(``engine.trigger_index``): a dispatch costs no read of the flows per event, and a flow
published, switched off or given a new ``wait_for`` — in this process or another — counts
from its commit on."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from soloops.automation.models import Flow, FlowRun, RunStatus
from soloops.automation.services import flow_set_enabled
from soloops.events.services import EventSpec, events_emit
from tests.automation.conftest import SYSTEM, emit, publish, reload, start
from tests.conftest import wait_until

PINGED = """\
name: On ping {n}
trigger: {{event: probe.ping}}
steps:
  - do: log
    with: {{message: "ping"}}
"""

WAITS_FOR_PONG = """\
name: Waits for pong
trigger: {manual: true}
steps:
  - wait_for: {event: probe.pong, timeout: 1d}
  - do: log
    with: {message: "pong came"}
"""


def runs_of(flow: Flow) -> int:
    return FlowRun.objects.filter(flow=flow).count()


def emit_many(type: str, count: int) -> None:
    specs = [EventSpec(type, ("probe.thing", n), {}) for n in range(count)]
    with transaction.atomic():
        events_emit(specs=specs, actor=SYSTEM)


def test_a_dispatch_reads_the_flows_once_not_per_event(transactional_db, settle):
    # given a published event flow, and a first event dispatched (the index is built)
    flow = publish(PINGED.format(n=1), key="on-ping")
    emit("probe.ping")
    settle()

    # when a burst of 20 events is dispatched and their runs advanced
    emit_many("probe.ping", 20)
    with CaptureQueriesContext(connection) as captured:
        settle()

    # then each event started its run, and no statement read the flows or their versions
    assert runs_of(flow) == 21
    assert FlowRun.objects.filter(flow=flow, status=RunStatus.COMPLETED).count() == 21
    sqls = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sqls if 'FROM "automation_flow" ' in s]
    assert not [s for s in sqls if 'FROM "automation_flowversion" ' in s]
    # and no event type a run could wait for: the waiting runs were never queried
    assert not [s for s in sqls if '"automation_flowrun"."wait_event" = ' in s]


def test_a_flow_published_or_switched_off_after_the_index_was_built_counts_at_once(
    transactional_db, settle
):
    # given one flow on probe.ping and an event dispatched (the index is built and cached)
    first = publish(PINGED.format(n=1), key="first")
    emit("probe.ping")
    settle()
    assert runs_of(first) == 1

    # when a second flow on the same event is published
    second = publish(PINGED.format(n=2), key="second")
    emit("probe.ping")
    settle()

    # then the next event starts both
    assert (runs_of(first), runs_of(second)) == (2, 1)

    # when the first is switched off
    flow_set_enabled(flow=first, enabled=False, actor=SYSTEM)
    emit("probe.ping")
    settle()

    # then only the second starts
    assert (runs_of(first), runs_of(second)) == (2, 2)


def test_a_new_wait_for_type_resumes_its_runs(transactional_db, settle):
    # given the index built while no flow waits for probe.pong
    publish(PINGED.format(n=1), key="on-ping")
    emit("probe.ping")
    settle()

    # when a flow that waits for probe.pong is published and its run waits
    run = start(publish(WAITS_FOR_PONG, key="waits"))
    settle()
    assert reload(run).status == RunStatus.WAITING

    # then a probe.pong resumes it
    emit("probe.pong")
    settle()
    assert reload(run).status == RunStatus.COMPLETED


@pytest.mark.processes
def test_a_flow_published_here_is_seen_by_a_worker_that_cached_the_flows(processes):
    # given a real worker that dispatched a probe.ping while one flow was published (its
    # process cached the flows for probe.ping)
    first = publish(PINGED.format(n=1), key="first")
    processes.start("worker")
    emit("probe.ping")
    wait_until(
        lambda: FlowRun.objects.filter(flow=first, status=RunStatus.COMPLETED).count() == 1,
        what="the first run",
    )

    # when this process publishes a second flow on probe.ping and another event comes
    second = publish(PINGED.format(n=2), key="second")
    emit("probe.ping")

    # then the worker starts it too: it saw the flows stamp change
    wait_until(
        lambda: FlowRun.objects.filter(flow=second, status=RunStatus.COMPLETED).count() == 1,
        what="the worker to start the new flow",
    )
    assert FlowRun.objects.filter(flow=first).count() == 2
