"""Runs that wait: for an event (``wait_for``), for time (``wait``), and across edits of their
flow. The clock moves by calling ``flow_runs_wake_due(now=...)``; nothing sleeps."""

import pytest

from soloops.automation.models import FlowRun, RunStatus, StepStatus
from soloops.automation.services import flow_runs_wake_due
from tests.automation.conftest import emit, publish, reload, start, steps_of
from tests.probe.models import Hit

WAIT_FOR = """\
name: Wait for review
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: asked}
  - id: review
    wait_for:
      event: probe.reviewed
      where: {ticket: "{{ trigger.manual.ticket }}"}
      timeout: 48h
    on_timeout:
      - do: probe.write
        with: {name: timed-out}
  - do: probe.write
    with: {name: "after {{ steps.review.event.payload.verdict | default('none') }}"}
"""


def hits() -> list[str]:
    return list(Hit.objects.values_list("handler", flat=True))


def test_wait_for_is_resumed_by_a_matching_event_and_not_by_another(transactional_db, settle):
    # given a run waiting for the review of ticket A
    run = start(publish(WAIT_FOR), ticket="A")
    settle()
    assert reload(run).status == RunStatus.WAITING
    assert run.wait_event == "probe.reviewed"

    # when ticket B is reviewed, and an event of another type names ticket A
    emit("probe.reviewed", ticket="B", verdict="fine")
    emit("probe.looked_at", ticket="A")
    settle()

    # then the run still waits
    assert reload(run).status == RunStatus.WAITING
    assert hits() == ["write asked"]

    # when ticket A is reviewed
    event = emit("probe.reviewed", ticket="A", verdict="ok")
    settle()

    # then the run went on once, past the wait, with the event as the step's output
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    assert hits() == ["write asked", "write after ok"]
    review = run.steps.get(key="1")
    assert review.status == StepStatus.DONE
    assert review.output["event"]["id"] == event.pk
    assert run.wake_at is None
    assert run.wait_event == ""

    # and a timer firing later changes nothing
    assert flow_runs_wake_due(now=run.created_at.replace(year=run.created_at.year + 1)) == 0


def test_a_wait_for_that_times_out_takes_on_timeout(transactional_db, settle, advance_clock):
    # given a run waiting up to 48 hours
    run = start(publish(WAIT_FOR), ticket="A")
    settle()

    # when 47 hours pass, nothing happens
    assert advance_clock(hours=47) == 0
    assert reload(run).status == RunStatus.WAITING

    # when 49 hours have passed
    assert advance_clock(hours=49) == 1

    # then the on_timeout branch ran, then the rest of the flow
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    assert hits() == ["write asked", "write timed-out", "write after none"]
    assert run.steps.get(key="1").output == {"timed_out": True}
    assert steps_of(run) == {
        "0": StepStatus.DONE,
        "1": StepStatus.DONE,
        "1/on_timeout/0": StepStatus.DONE,
        "2": StepStatus.DONE,
    }

    # and the awaited event coming late resumes nothing
    emit("probe.reviewed", ticket="A", verdict="late")
    settle()
    assert hits() == ["write asked", "write timed-out", "write after none"]


def test_a_wait_for_sees_the_event_that_came_while_the_run_was_on_an_earlier_step(
    transactional_db, settle, advance_clock
):
    # given a run that first waits an hour, then waits for the review
    flow = publish(WAIT_FOR.replace("  - id: review\n", "  - wait: 1h\n  - id: review\n"))
    run = start(flow, ticket="A")
    settle()
    assert steps_of(run)["1"] == StepStatus.WAITING  # the hour

    # when ticket A is reviewed during that hour, and then the hour passes
    event = emit("probe.reviewed", ticket="A", verdict="early")
    settle()
    advance_clock(hours=2)

    # then the run did not wait 48 hours for an event that had already happened
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(key="2").output["event"]["id"] == event.pk
    assert hits() == ["write asked", "write after early"]


def test_an_event_consumed_by_one_wait_for_does_not_satisfy_the_next(transactional_db, settle):
    # given a flow that waits twice for the same event type
    flow = publish(
        """\
name: Two approvals
trigger: {manual: true}
steps:
  - wait_for: {event: probe.reviewed, timeout: 1h}
  - wait_for: {event: probe.reviewed, timeout: 1h}
  - do: probe.write
    with: {name: both}
"""
    )
    run = start(flow)
    settle()

    # when one event comes, then a second
    emit("probe.reviewed", n=1)
    settle()
    assert reload(run).status == RunStatus.WAITING
    assert reload(run).cursor == "1"
    emit("probe.reviewed", n=2)
    settle()

    # then
    assert reload(run).status == RunStatus.COMPLETED
    assert [run.steps.get(key=k).output["event"]["payload"]["n"] for k in "01"] == [1, 2]


WAIT = """\
name: Follow up
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: bought}
  - wait: 3d
  - do: probe.write
    with: {name: follow-up}
"""


def test_a_wait_runs_the_next_step_once_its_time_comes(transactional_db, settle, advance_clock):
    # given a run waiting three days
    run = start(publish(WAIT))
    settle()
    assert reload(run).status == RunStatus.WAITING

    # when two days pass, then four
    assert advance_clock(days=2) == 0
    assert hits() == ["write bought"]
    assert advance_clock(days=4) == 1

    # then the next step ran once and the run is done
    assert reload(run).status == RunStatus.COMPLETED
    assert hits() == ["write bought", "write follow-up"]
    assert advance_clock(days=8) == 0
    assert hits() == ["write bought", "write follow-up"]


@pytest.mark.processes
def test_a_wait_that_came_due_while_no_worker_ran_runs_once_a_worker_starts(processes, settle):
    # given a run waiting three days, whose time came while no worker was running: the
    # scheduler woke it and its task waits in the queue
    from tests.conftest import wait_until

    run = start(publish(WAIT))
    settle()
    assert flow_runs_wake_due(now=reload(run).wake_at) == 1
    assert hits() == ["write bought"]

    # when a worker starts
    processes.start("worker")

    # then the step after the wait ran once
    wait_until(
        lambda: FlowRun.objects.get(pk=run.pk).status == RunStatus.COMPLETED,
        what="the run to complete",
    )
    assert hits() == ["write bought", "write follow-up"]
    assert steps_of(run) == {"0": StepStatus.DONE, "1": StepStatus.DONE, "2": StepStatus.DONE}


# --- editing a flow while runs wait ---------------------------------------------------------

V1 = """\
name: Versioned
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: v1-first}
  - wait_for: {event: probe.go, timeout: 1d}
  - do: probe.write
    with: {name: v1-after}
"""

V2 = """\
name: Versioned
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: v2-first}
  - do: probe.write
    with: {name: v2-second}
  - wait_for: {event: probe.go, timeout: 1d}
  - do: probe.write
    with: {name: v2-after}
"""


def test_runs_waiting_when_a_flow_is_edited_finish_on_their_own_version(
    transactional_db, settle, api_as
):
    # given a run of version 1 waiting for an event
    flow = publish(V1, key="versioned")
    old = start(flow)
    settle()
    assert reload(old).status == RunStatus.WAITING

    # when the owner saves version 2, with other steps at the same positions, and publishes it
    owner = api_as("owner")
    saved = owner.post("/api/flows", {"source": V2, "key": "versioned"})
    assert saved.status_code == 201, saved.content
    published = owner.post("/api/flows/versioned/publish", {"version": 2})

    # then the answer says the waiting run finishes on its own version
    assert published.status_code == 200, published.content
    body = published.json()
    assert (body["published_version"], body["runs_in_flight"]) == (2, 1)
    assert "1 run(s) already started finish on the version they started on" in body["note"]
    flow.refresh_from_db()
    new = start(flow)
    settle()

    # and the awaited event comes
    emit("probe.go")
    settle()

    # then the waiting run followed version 1 to its end, and the new run follows version 2
    old, new = reload(old), reload(new)
    assert (old.version.number, old.status) == (1, RunStatus.COMPLETED)
    assert (new.version.number, new.status) == (2, RunStatus.COMPLETED)
    assert list(Hit.objects.filter(event_id=old.pk).values_list("handler", flat=True)) == [
        "write v1-first",
        "write v1-after",
    ]
    assert list(Hit.objects.filter(event_id=new.pk).values_list("handler", flat=True)) == [
        "write v2-first",
        "write v2-second",
        "write v2-after",
    ]
