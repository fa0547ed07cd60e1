"""When steps fail: retries with exponential backoff and jitter, the failed inbox, and the
owner's retry / skip / cancel (with compensation, newest first); approvals; loops between
flows; events and schedule slots that must start a flow once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from soloops.automation.engine.outcomes import backoff
from soloops.automation.models import (
    Delivery,
    Event,
    FlowRun,
    RunStatus,
    ScheduleFiring,
    StepStatus,
)
from soloops.automation.services import (
    flow_runs_wake_due,
    flows_on_event,
    schedules_fire_due,
)
from soloops.automation.services.runs import MAX_DEPTH
from soloops.events.services import events_dispatch
from tests.automation.conftest import APPROVE_FLOW, emit, later, publish, reload, start, steps_of
from tests.probe.models import Hit


def hits(run: FlowRun | None = None) -> list[str]:
    rows = Hit.objects.filter(event_id=run.pk) if run else Hit.objects.all()
    return list(rows.values_list("handler", flat=True))


def flaky(fail_times: int, attempts: int = 3, backoff: str = "10s", cap: str = "1h") -> str:
    return f"""\
name: Flaky
trigger: {{manual: true}}
steps:
  - do: probe.write
    with: {{name: first}}
  - do: probe.write
    with: {{name: flaky, fail_times: {fail_times}}}
    retry: {{attempts: {attempts}, backoff: {backoff}, max_backoff: {cap}}}
  - do: probe.write
    with: {{name: last}}
"""


@pytest.fixture
def settle(run_after_commit):
    """Run every queued task (dispatch, advance) until none is left, in the test's transaction:
    nothing here needs its writes seen by another connection."""
    return run_after_commit


def test_a_failing_step_is_retried_with_exponential_backoff_then_lands_in_the_failed_inbox(
    settle, probe_dir, api_as
):
    # given a step that fails five times, allowed three attempts, backoff 10 s
    run = start(publish(flaky(fail_times=5)))

    # when it runs, and then each retry as it comes due
    windows = []
    for attempt in (1, 2):
        before = timezone.now()
        if attempt > 1:
            assert flow_runs_wake_due(now=run.wake_at) == 1
        settle()
        after = timezone.now()

        # then after each failure the run waits for its retry, with the error on the step
        run = reload(run)
        assert run.status == RunStatus.WAITING, attempt
        step = run.steps.get(key="1")
        assert (step.status, step.attempts) == (StepStatus.RETRYING, attempt)
        assert f"fails on purpose (call {attempt})" in step.error
        windows.append((before, run.wake_at, after))

    # and the waits doubled (10 s, then 20 s), each shortened by up to half for jitter
    for (before, wake_at, after), seconds in zip(windows, (10, 20), strict=True):
        assert (
            before + timedelta(seconds=seconds / 2) <= wake_at <= after + timedelta(seconds=seconds)
        )

    # when the third attempt fails too
    assert flow_runs_wake_due(now=run.wake_at) == 1
    settle()

    # then the run is in the failed inbox, with the error, and nothing after the step ran
    run = reload(run)
    assert run.status == RunStatus.FAILED
    assert run.wake_at is None
    step = run.steps.get(key="1")
    assert (step.status, step.attempts) == (StepStatus.FAILED, 3)
    assert "fails on purpose (call 3)" in run.error
    assert hits(run) == ["write first"]
    failed = Event.objects.get(type="flow_run.failed", subject_id=str(run.pk))
    assert failed.payload["step"] == "1"
    inbox = api_as("owner").get("/api/runs", status="failed").json()
    assert [r["id"] for r in inbox["items"]] == [run.pk]
    assert inbox["items"][0]["error"] == run.error


@pytest.mark.parametrize("attempts", [1, 2, 3, 4, 8, 12])
def test_backoff_doubles_per_attempt_with_jitter_and_never_exceeds_its_cap(attempts):
    # given backoff 10 s capped at 5 minutes
    step = {"retry": {"backoff": "10s", "max_backoff": "5m"}}
    full = min(timedelta(seconds=10 * 2 ** (attempts - 1)), timedelta(minutes=5))

    # when
    delays = {backoff(step, attempts) for _ in range(50)}

    # then every delay is between half and all of the full one, and they differ (jitter)
    assert all(full / 2 <= d <= full for d in delays)
    assert len(delays) > 1


def test_the_owner_retries_a_failed_run_with_fresh_attempts(
    settle, advance_clock, probe_dir, api_as
):
    # given a run in the failed inbox after three attempts; the step will work on its fifth
    run = start(publish(flaky(fail_times=4)))
    settle()
    advance_clock(hours=1)
    advance_clock(hours=2)
    assert reload(run).status == RunStatus.FAILED

    # when the owner retries it
    response = api_as("owner").post(f"/api/runs/{run.pk}/retry")

    # then the step runs again with a fresh set of attempts (4th fails, 5th succeeds)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == RunStatus.RUNNING
    settle()
    assert reload(run).status == RunStatus.WAITING
    assert reload(run).steps.get(key="1").attempts == 1
    advance_clock(hours=1)
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    assert hits(run) == ["write first", "write flaky", "write last"]
    assert Event.objects.filter(type="flow_run.retried", subject_id=str(run.pk)).count() == 1


def test_the_owner_skips_a_failed_step(settle, probe_dir, api_as):
    # given a run that failed for good (a business error is not retried)
    run = start(publish(flaky(fail_times=1, attempts=1)))
    settle()
    assert reload(run).status == RunStatus.FAILED

    # when the owner skips the failed step
    response = api_as("owner").post(f"/api/runs/{run.pk}/skip")

    # then the run goes on with the next step
    assert response.status_code == 200, response.content
    settle()
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    assert steps_of(run) == {"0": StepStatus.DONE, "1": StepStatus.SKIPPED, "2": StepStatus.DONE}
    assert hits(run) == ["write first", "write last"]


def test_retry_and_skip_are_refused_for_a_run_that_did_not_fail(settle, probe_dir, api_as):
    # given a completed run
    run = start(publish(flaky(fail_times=0)))
    settle()

    # when / then
    for verb in ("retry", "skip", "cancel", "approve"):
        response = api_as("owner").post(f"/api/runs/{run.pk}/{verb}")
        assert response.status_code == 409, (verb, response.content)
        assert response.json()["code"] == "illegal_run_action"
    assert api_as("owner").post("/api/runs/999999/retry").status_code == 404


COMPENSATED = """\
name: Reserve and charge
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: reserve}
    compensate: {do: probe.write, with: {name: release}}
  - do: probe.write
    with: {name: note}
  - do: probe.write
    with: {name: charge}
    compensate: {do: probe.write, with: {name: refund}}
  - wait_for: {event: probe.shipped, timeout: 7d}
  - do: probe.write
    with: {name: ship}
"""


def test_cancel_runs_compensations_newest_first(settle, probe_dir, api_as):
    # given a run that reserved, noted and charged, and now waits
    run = start(publish(COMPENSATED))
    settle()
    assert reload(run).status == RunStatus.WAITING

    # when the owner cancels it
    response = api_as("owner").post(f"/api/runs/{run.pk}/cancel")

    # then the cancel is committed first, and nothing is undone inside the owner's request
    assert response.status_code == 200, response.content
    assert response.json()["status"] == RunStatus.CANCELLING
    assert hits(run) == ["write reserve", "write note", "write charge"]
    asked = Event.objects.get(type="flow_run.cancelling", subject_id=str(run.pk))
    assert asked.actor_kind == "token"  # the owner, through the API

    # when a worker takes it
    settle()

    # then the charge was refunded, then the reservation released, each as a step of its
    # own; nothing else ran
    assert reload(run).status == RunStatus.CANCELLED
    assert hits(run) == [
        "write reserve",
        "write note",
        "write charge",
        "write refund",
        "write release",
    ]
    assert steps_of(run) == {
        "0": StepStatus.COMPENSATED,
        "1": StepStatus.DONE,
        "2": StepStatus.COMPENSATED,
        "3": StepStatus.WAITING,
        "2/compensate": StepStatus.DONE,
        "0/compensate": StepStatus.DONE,
    }
    cancelled = Event.objects.get(type="flow_run.cancelled", subject_id=str(run.pk))
    assert cancelled.payload["compensated"] == ["2", "0"]

    # and the awaited event no longer resumes it
    emit("probe.shipped")
    settle()
    assert reload(run).status == RunStatus.CANCELLED
    assert "write ship" not in hits(run)


def test_a_compensation_that_keeps_failing_lands_in_the_failed_inbox_and_the_owner_retries_it(
    transactional_db, settle, advance_clock, probe_dir, api_as
):
    # given a run whose newest compensation fails three times, and whose older one works
    source = COMPENSATED.replace("{name: refund}", "{name: refund, fail_times: 3}")
    run = start(publish(source))
    settle()

    # when the owner cancels it, and its retries come due
    assert api_as("owner").post(f"/api/runs/{run.pk}/cancel").status_code == 200
    settle()
    assert reload(run).status == RunStatus.WAITING  # a compensation retries like a step
    advance_clock(minutes=5)
    advance_clock(minutes=5)

    # then the run is in the failed inbox, on the compensation, saying why; nothing undone
    run = reload(run)
    assert run.status == RunStatus.FAILED
    assert run.cursor == "2/compensate"
    assert "probe refund fails" in run.error
    assert run.steps.get(key="2/compensate").attempts == 3
    assert hits(run) == ["write reserve", "write note", "write charge"]
    inbox = api_as("owner").get("/api/runs", status="failed").json()
    assert [r["id"] for r in inbox["items"]] == [run.pk]

    # when the owner retries it (the refund works now)
    assert api_as("owner").post(f"/api/runs/{run.pk}/retry").status_code == 200
    settle()

    # then the cancel finished: both compensations ran once
    assert reload(run).status == RunStatus.CANCELLED
    assert hits(run)[3:] == ["write refund", "write release"]


def test_the_owner_skips_a_failing_compensation_and_the_cancel_goes_on(
    transactional_db, settle, probe_dir, api_as
):
    # given a cancelled run whose newest compensation is refused for good
    source = COMPENSATED.replace("{name: refund}", "{name: refund, fail_times: 9}").replace(
        "  - do: probe.write\n    with: {name: charge}",
        "  - do: probe.write\n    with: {name: charge}\n    retry: {attempts: 1}",
    )
    run = start(publish(source))
    settle()
    api_as("owner").post(f"/api/runs/{run.pk}/cancel")
    settle()
    assert reload(run).status == RunStatus.FAILED

    # when the owner skips it
    assert api_as("owner").post(f"/api/runs/{run.pk}/skip").status_code == 200
    settle()

    # then the older compensation ran and the run is cancelled; the charge stays done
    run = reload(run)
    assert run.status == RunStatus.CANCELLED
    assert hits(run)[3:] == ["write release"]
    assert steps_of(run)["2"] == StepStatus.DONE
    assert steps_of(run)["2/compensate"] == StepStatus.SKIPPED
    cancelled = Event.objects.get(type="flow_run.cancelled", subject_id=str(run.pk))
    assert cancelled.payload["compensated"] == ["0"]


@pytest.mark.parametrize(
    ("verb", "expected"),
    [("approve", ["write after ada"]), ("reject", ["write told-no", "write after ada"])],
)
def test_the_owner_approves_or_rejects_an_approve_step(settle, probe_dir, api_as, verb, expected):
    # given a run asking the owner
    run = start(publish(APPROVE_FLOW), amount=120, who="ada")
    settle()
    run = reload(run)
    assert run.status == RunStatus.AWAITING_APPROVAL
    asked = Event.objects.get(type="flow_run.awaiting_approval", subject_id=str(run.pk))
    assert asked.payload["message"] == "Refund 120 to ada?"
    assert api_as("viewer").post(f"/api/runs/{run.pk}/{verb}").status_code == 403

    # when the owner answers
    response = api_as("owner").post(f"/api/runs/{run.pk}/{verb}", {"note": "checked"})
    settle()

    # then the run followed the answer
    assert response.status_code == 200, response.content
    step = response.json()["steps"][0]
    assert step["output"]["approved"] is (verb == "approve")
    assert step["output"]["note"] == "checked"
    assert reload(run).status == RunStatus.COMPLETED
    assert hits(run) == expected
    assert api_as("owner").post(f"/api/runs/{run.pk}/{verb}").status_code == 409


def test_an_approval_nobody_answers_in_time_counts_as_rejected(settle, advance_clock, probe_dir):
    run = start(publish(APPROVE_FLOW), amount=120, who="ada")
    settle()

    advance_clock(days=3)

    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(key="0").output == {"approved": False, "timed_out": True}
    assert hits(run) == ["write told-no", "write after ada"]


# --- loops and duplicates -------------------------------------------------------------------

PING = """\
name: Ping
trigger: {event: probe.ping}
steps:
  - do: probe.emit
    with: {type: probe.ping}
"""


def test_a_flow_that_emits_its_own_trigger_stops_at_max_depth_with_a_visible_failed_run(settle):
    # given a flow whose step emits the event that triggers it
    flow = publish(PING)

    # when the event happens once
    emit("probe.ping")
    settle()

    # then runs caused runs down to MAX_DEPTH, and the next one failed without starting
    runs = list(FlowRun.objects.filter(flow=flow).order_by("id"))
    assert [r.depth for r in runs] == list(range(MAX_DEPTH + 2))
    assert {r.status for r in runs[:-1]} == {RunStatus.COMPLETED}
    stopped = runs[-1]
    assert stopped.status == RunStatus.FAILED
    assert "deeper than" in stopped.error
    assert not stopped.steps.exists()
    assert Event.objects.filter(type="flow_run.failed", subject_id=str(stopped.pk)).exists()
    assert Event.objects.filter(type="probe.ping").count() == MAX_DEPTH + 2


def test_the_events_a_run_causes_carry_the_correlation_id_of_its_trigger(settle):
    # given a flow whose step emits an event, in a task of its own
    publish(PING.replace("type: probe.ping", "type: probe.pong"))

    # when the trigger happens
    trigger = emit("probe.ping")
    settle()

    # then what the run did is tied to what started it on the timeline
    caused = Event.objects.exclude(pk=trigger.pk).filter(
        type__in=["probe.pong", "flow_run.started", "flow_run.completed"]
    )
    assert sorted(caused.values_list("type", flat=True)) == [
        "flow_run.completed",
        "flow_run.started",
        "probe.pong",
    ]
    assert set(caused.values_list("correlation_id", flat=True)) == {trigger.correlation_id}


def test_two_order_flows_holding_and_accepting_each_others_order_stop_at_max_depth(settle):
    # given two flows that undo each other: accepted -> hold, on hold -> accept
    from soloops.orders.services import order_place
    from tests.factories import SYSTEM, draft, make_variant

    publish(
        """\
name: Hold accepted orders
trigger: {event: order.accepted}
steps:
  - do: order.hold
    with: {order: "{{ order.number }}", reason: look again}
"""
    )
    publish(
        """\
name: Accept held orders
trigger: {event: order.on_hold}
steps:
  - do: order.accept
    with: {order: "{{ order.number }}"}
"""
    )
    make_variant("MUG-1", price="10.00", stock=5)

    # when an order comes in (intake accepts or holds it: either starts the ping-pong)
    order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)
    settle()

    # then the ping-pong stopped, visibly
    runs = FlowRun.objects.order_by("id")
    assert max(r.depth for r in runs) == MAX_DEPTH + 1
    assert runs.filter(status=RunStatus.FAILED, depth=MAX_DEPTH + 1).count() == 1
    assert not runs.exclude(status__in=[RunStatus.COMPLETED, RunStatus.FAILED]).exists()


def test_a_redispatched_event_never_starts_the_same_flow_twice(settle):
    # given an event that started a flow
    flow = publish("name: On ping\ntrigger: {event: probe.ping}\nsteps:\n  - wait: 1h\n")
    event = emit("probe.ping")
    settle()
    assert FlowRun.objects.filter(flow=flow).count() == 1

    # when it is dispatched again, handed to the handler again, and its delivery record is
    # lost and it is dispatched once more
    events_dispatch(event_ids=[event.pk])
    with transaction.atomic():
        flows_on_event(event)
    Delivery.objects.filter(event=event).delete()
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)
    events_dispatch(event_ids=[event.pk])
    settle()

    # then there is still one run
    assert FlowRun.objects.filter(flow=flow).count() == 1
    assert FlowRun.objects.get(flow=flow).trigger_event_id == event.pk


def test_a_flow_filters_its_trigger_with_where_and_if(settle):
    flow = publish(
        """\
name: Big pings from the shop
trigger: {event: probe.ping, where: {source: shop}}
if: event.payload.size > 10
steps:
  - wait: 1h
"""
    )

    emit("probe.ping", source="shop", size=5)
    emit("probe.ping", source="market", size=50)
    started = emit("probe.ping", source="shop", size=50)
    settle()

    assert list(FlowRun.objects.filter(flow=flow).values_list("trigger_event", flat=True)) == [
        started.pk
    ]


def test_a_scheduled_flow_starts_once_per_slot(settle):
    # given an hourly flow
    flow = publish(
        """\
name: Hourly
trigger: {schedule: "0 * * * *"}
steps:
  - do: probe.write
    with: {name: "tick {{ trigger.slot }}"}
"""
    )

    # when two schedulers fire the next hour's slot, and its event is dispatched twice
    now = later(hours=1)
    first = schedules_fire_due(fired_by="a", now=now)
    second = schedules_fire_due(fired_by="b", now=now)
    settle()
    fired = Event.objects.get(type="schedule.fired")
    Event.objects.filter(pk=fired.pk).update(dispatched_at=None)
    events_dispatch(event_ids=[fired.pk])
    settle()

    # then one run started for that slot
    assert (len(first), len(second)) == (1, 0)
    runs = FlowRun.objects.filter(flow=flow)
    assert runs.count() == 1
    slot = ScheduleFiring.objects.get().slot
    assert runs.get().trigger["slot"] == slot.isoformat()
    assert hits() == [f"write tick {slot.isoformat()}"]

    # when the slot after it comes
    schedules_fire_due(fired_by="a", now=later(hours=2))
    settle()

    # then a second run
    assert runs.count() == 2
    assert all(r.status == RunStatus.COMPLETED for r in runs)


def test_a_disabled_flow_starts_no_runs_and_its_waiting_runs_go_on(settle, api_as):
    # given a run waiting, then the flow switched off
    flow = publish(
        "name: Pinged\ntrigger: {event: probe.ping}\nsteps:\n"
        "  - wait_for: {event: probe.go, timeout: 1h}\n"
    )
    emit("probe.ping")
    settle()
    assert api_as("owner").post(f"/api/flows/{flow.key}/disable").json()["enabled"] is False

    # when its trigger happens again, and the awaited event comes
    emit("probe.ping")
    emit("probe.go")
    settle()

    # then no new run started, and the waiting one finished
    assert [r.status for r in FlowRun.objects.filter(flow=flow)] == [RunStatus.COMPLETED]
