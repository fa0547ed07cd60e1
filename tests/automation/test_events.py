"""The event log: emit in the caller's transaction, dispatch after commit, each handler once."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from soloops.accounts.actors import Actor
from soloops.automation.models import Delivery, DeliveryStatus, Event
from soloops.automation.services import flow_import
from soloops.events.selectors import timeline_for
from soloops.events.services import MAX_DELIVERY_ATTEMPTS, event_emit, events_dispatch, events_relay
from tests.probe.models import Hit

ACTOR = Actor.system("test")


def emit(type: str = "probe.recorded", subject=("probe.thing", 1), payload=None) -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=subject, payload=payload or {"n": 1}, actor=ACTOR)


def test_emit_outside_a_transaction_is_refused(db):
    # given no transaction is open (pytest's own is not an atomic block we may rely on)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        transaction.get_connection().in_atomic_block = False
        try:
            event_emit(type="probe.recorded", subject=("probe.thing", 1), payload={}, actor=ACTOR)
        finally:
            transaction.get_connection().in_atomic_block = True


def test_event_in_a_rolled_back_transaction_is_never_dispatched(transactional_db, run_tasks):
    # given an event emitted inside a transaction that then fails
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        event_emit(type="probe.recorded", subject=("probe.thing", 1), payload={}, actor=ACTOR)
        1 / 0  # noqa: B018

    # when every queued task runs
    run_tasks()

    # then nothing exists and nothing was queued or handled
    assert Event.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert Hit.objects.count() == 0


def test_committed_event_is_dispatched_to_each_handler_once(transactional_db, run_tasks):
    # given
    event = emit()
    assert DBTaskResult.objects.count() == 1  # enqueued on commit

    # when
    run_tasks()

    # then both handlers ran once and the event is marked dispatched
    assert sorted(Hit.objects.values_list("handler", flat=True)) == ["record", "record_again"]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    delivered = Delivery.objects.filter(event=event, status=DeliveryStatus.DONE)
    assert sorted(delivered.values_list("handler", flat=True)) == [
        "tests.probe.handlers.record",
        "tests.probe.handlers.record_again",
    ]


def test_an_event_nothing_handles_costs_no_dispatch(transactional_db, run_tasks):
    # given the flow engine ignores flow_run.* events, no flow starts on or waits for
    # probe.unhandled, and no app handles either
    # when a run's lifecycle event and an event no flow wants are emitted
    lifecycle = emit("flow_run.completed", subject=("automation.flowrun", 1), payload={"flow": "x"})
    unwanted = emit("probe.unhandled")

    # then both are history at once: no dispatch task, no delivery
    for event in (lifecycle, unwanted):
        assert event.dispatched_at is not None and event.next_dispatch_at is None
    assert DBTaskResult.objects.count() == 0
    assert not Delivery.objects.exists()


def test_a_dispatch_task_stored_under_its_old_path_still_runs(transactional_db, run_tasks):
    # given a dispatch task enqueued before the event log moved to soloops.events: the task
    # table holds the old dotted path
    event = emit()
    DBTaskResult.objects.update(task_path="soloops.automation.tasks.dispatch_events")

    # when the worker runs it
    run_tasks()

    # then the event's handlers ran and it is dispatched
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert Hit.objects.filter(event_id=event.pk, handler="record").count() == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_dispatch_enqueued_twice_runs_each_handler_once(transactional_db, run_tasks):
    # given the same event handed out a second time before any worker ran
    event = emit()
    from soloops.events.tasks import dispatch_events

    dispatch_events.enqueue(event_ids=[event.pk])
    assert DBTaskResult.objects.count() == 2

    # when both tasks run, and a third direct dispatch after that
    run_tasks()
    events_dispatch(event_ids=[event.pk])

    # then each handler committed exactly once
    assert Hit.objects.filter(event_id=event.pk, handler="record").count() == 1
    assert Hit.objects.filter(event_id=event.pk, handler="record_again").count() == 1


LISTENER = """\
name: Listener
trigger: {event: probe.unheard}
steps:
  - wait: 1d
"""
WAITER = """\
name: Waiter
trigger: {event: probe.start}
steps:
  - wait_for: {event: probe.awaited, timeout: 1d}
"""


@pytest.mark.parametrize(
    ("flow", "type_"), [(LISTENER, "probe.unheard"), (WAITER, "probe.awaited")]
)
def test_an_event_reaches_the_flow_engine_once_a_flow_starts_on_it_or_waits_for_it(
    transactional_db, run_tasks, flow, type_
):
    # given an event type no app handles, emitted while no flow starts on or waits for it
    before = emit(type=type_)
    assert before.dispatched_at is not None

    # when a flow that starts on it (or a saved version that waits for it) is published,
    # and the type is emitted again
    flow_import(source=flow, actor=ACTOR)
    after = emit(type=type_)

    # then that event is dispatched to the flow engine alone, and is done
    assert after.dispatched_at is None
    run_tasks()
    after.refresh_from_db()
    assert after.dispatched_at is not None
    assert list(Delivery.objects.filter(event=after).values_list("handler", flat=True)) == [
        "soloops.automation.services.runs.flows_on_event"
    ]
    assert not Delivery.objects.filter(event=before).exists()


def test_failing_handler_does_not_block_the_others_and_gives_up_visibly(transactional_db):
    # given an event whose second handler always raises
    event = emit(type="probe.failing")

    # when it is dispatched until the failing handler runs out of attempts
    for _ in range(MAX_DELIVERY_ATTEMPTS):
        events_dispatch(event_ids=[event.pk])

    # then the healthy handler ran once, the failing one is given up with its error kept
    assert Hit.objects.filter(event_id=event.pk, handler="record").count() == 1
    failed = Delivery.objects.get(event=event, handler="tests.probe.handlers.fail")
    assert failed.status == DeliveryStatus.GAVE_UP
    assert failed.attempts == MAX_DELIVERY_ATTEMPTS
    assert "failed on purpose" in failed.last_error
    event.refresh_from_db()
    assert event.dispatch_failed_at is not None
    assert event.dispatched_at is None


def test_relay_hands_out_overdue_events_and_backs_off(transactional_db, run_tasks):
    # given an event whose dispatch task was lost
    event = emit()
    DBTaskResult.objects.all().delete()

    # when the relay runs before the event is due, nothing happens
    assert events_relay(now=event.created_at) == 0

    # when it runs after the delay, the event is handed out again and dispatched
    later = event.next_dispatch_at
    assert events_relay(now=later) == 1
    run_tasks()

    # then
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.dispatch_attempts == 1
    assert Hit.objects.filter(event_id=event.pk).count() == 2
    assert events_relay(now=later) == 0  # dispatched events are never relayed


def test_timeline_lists_the_events_about_one_object_in_order(transactional_db):
    first = emit(type="probe.unheard", subject=("probe.thing", 7))
    emit(type="probe.unheard", subject=("probe.thing", 8))
    second = emit(type="probe.unheard", subject=("probe.thing", 7))
    assert [e.pk for e in timeline_for(subject_type="probe.thing", subject_id="7")] == [
        first.pk,
        second.pk,
    ]


def test_events_from_one_correlation_scope_share_an_id(transactional_db):
    from soloops import correlation

    with correlation.scope() as cid:
        a = emit(type="probe.unheard")
        b = emit(type="probe.unheard")
    assert a.correlation_id == b.correlation_id == cid


def test_a_failure_recorded_after_another_dispatcher_finished_keeps_the_delivery_done(db):
    from soloops.events.dispatch import _record_failure

    # given an event one dispatcher delivered to every handler
    event = emit()
    events_dispatch(event_ids=[event.pk])

    # when a second dispatcher, whose own attempt errored before it saw that delivery (say its
    # wait for the SQLite write lock timed out while the first one ran), records its failure
    status = _record_failure(event, "tests.probe.handlers.record", "database is locked")

    # then the delivery stays done, so a later dispatch does not run the handler again
    assert status == DeliveryStatus.DONE
    delivery = Delivery.objects.get(event=event, handler="tests.probe.handlers.record")
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DONE, 1, "")
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if another handler failed
    events_dispatch(event_ids=[event.pk])
    assert Hit.objects.filter(event_id=event.pk, handler="record").count() == 1
