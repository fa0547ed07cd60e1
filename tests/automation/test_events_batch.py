"""Dispatch in batches: a batch of events costs one transaction and the same bookkeeping
statements however many events it holds; a failing handler in it rolls back alone."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from soloops.accounts.actors import Actor
from soloops.automation.engine import trigger_index
from soloops.automation.models import Delivery, DeliveryStatus, Event
from soloops.automation.services import flow_import
from soloops.events import registry
from soloops.events.services import DELIVERY_BATCH, EventSpec, events_dispatch, events_emit
from tests.conftest import wait_until
from tests.probe.models import Hit

ACTOR = Actor.system("test")
FLOWS = "soloops.automation.services.runs.flows_on_event"


UNMATCHED = """\
name: Unmatched
trigger: {event: probe.unheard, where: {n: -1}}
steps:
  - wait: 1d
"""


def emit_many(*types: str) -> list[Event]:
    with transaction.atomic():
        specs = [EventSpec(t, ("probe.thing", n), {"n": n}) for n, t in enumerate(types)]
        return events_emit(specs=specs, actor=ACTOR)


def bookkeeping(sql: str) -> bool:
    """The dispatcher's own statements: those about events and deliveries."""
    quoted = sql.replace("`", '"')  # MySQL/MariaDB quote names with backticks
    return '"automation_event"' in quoted or '"automation_delivery"' in quoted


@pytest.mark.parametrize(("count", "batches"), [(2, 1), (DELIVERY_BATCH, 1), (45, 3)])
def test_a_batch_costs_the_same_dispatch_statements_however_many_events(
    transactional_db, count, batches
):
    # given ``count`` committed events that only the flow engine handles (a flow starts on
    # their type, but its where filter takes none of them), and a process that has read
    # which flows events start
    flow_import(source=UNMATCHED, actor=ACTOR)
    events = emit_many(*["probe.unheard"] * count)
    trigger_index.current()

    # when one dispatcher takes them all, in the scope a dispatch task runs in
    with CaptureQueriesContext(connection) as captured, registry.dispatch_scope():
        assert events_dispatch(event_ids=[e.pk for e in events]) == count

    # then per batch of up to DELIVERY_BATCH events: read the events; lock their deliveries;
    # insert every delivery row in one statement; mark every event dispatched in one update
    # -- four, for 2 events or 20 -- and one commit
    sqls = [q["sql"] for q in captured.captured_queries]
    own = [sql for sql in sqls if bookkeeping(sql)]
    assert len(own) == 4 * batches, own
    assert sum(sql.startswith("INSERT") for sql in own) == batches
    assert sum(sql.startswith("UPDATE") for sql in own) == batches
    # no event adds a statement: no savepoint around its handler, and the flow engine reads
    # whether the flows changed once per dispatch (one statement), not the flows per event
    control = [sql for sql in sqls if sql.startswith(("BEGIN", "COMMIT"))]
    assert sum(sql == "COMMIT" for sql in control) == batches  # one transaction per batch
    others = [sql for sql in sqls if not bookkeeping(sql) and sql not in control]
    assert len(others) == 1, others
    assert not [sql for sql in sqls if "SAVEPOINT" in sql]
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 0
    assert Delivery.objects.filter(handler=FLOWS, status=DeliveryStatus.DONE).count() == count


def test_a_failing_handler_in_a_batch_rolls_back_alone(transactional_db):
    # given three events in one batch; the middle one's second handler writes, then raises
    first, half, last = emit_many("probe.recorded", "probe.half_written", "probe.recorded")

    # when it is dispatched once
    assert events_dispatch(event_ids=[first.pk, half.pk, last.pk]) == 2

    # then the failing handler's write is gone; every other handler's writes committed once
    # (the batch ran again, a savepoint per handler, after the first run rolled back whole),
    # the healthy handler of the same event included
    hits = list(Hit.objects.values_list("event_id", "handler"))
    assert len(hits) == 5, hits
    assert set(hits) == {
        (first.pk, "record"),
        (first.pk, "record_again"),
        (half.pk, "record"),
        (last.pk, "record"),
        (last.pk, "record_again"),
    }
    failed = Delivery.objects.get(event=half, handler="tests.probe.handlers.write_then_fail")
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 1)
    assert "wrote, then failed on purpose" in failed.last_error
    assert set(Event.objects.filter(dispatched_at__isnull=False).values_list("pk", flat=True)) == {
        first.pk,
        last.pk,
    }

    # when it is handed out again (the relay's retry), only the failed handler runs again
    assert events_dispatch(event_ids=[first.pk, half.pk, last.pk]) == 0
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 2)
    assert Hit.objects.filter(event_id=half.pk, handler="record").count() == 1
    assert Hit.objects.count() == 5


def lock_waits() -> list[str]:
    """The statements other sessions of the test database are waiting in, for a row lock."""
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # MariaDB lists a waiting insert on a unique key nowhere in InnoDB's own tables;
            # another session's statement still running after a second is one waiting for a
            # lock (the worker's own polls take milliseconds).
            cursor.execute(
                "SELECT info FROM information_schema.processlist WHERE db = DATABASE() "
                "AND id <> CONNECTION_ID() AND command = 'Query' AND time >= 1"
            )
        else:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT query FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.processes
def test_two_dispatchers_of_one_batch_run_each_handler_once(processes, probe_dir):
    # given a worker in the middle of a batch: its delivery rows inserted, a handler blocking
    (event,) = emit_many("probe.blocking")
    started = probe_dir / f"started-{event.pk}"
    processes.start("worker")
    wait_until(started.exists, what="the blocking handler to start")

    # when a second dispatcher takes the same event (the relay's hand-out, say)
    outcome: list[int] = []

    def dispatch() -> None:
        try:
            outcome.append(events_dispatch(event_ids=[event.pk]))
        finally:
            connection.close()

    second = threading.Thread(target=dispatch)
    second.start()
    if connection.vendor != "sqlite":  # SQLite's writers queue in its busy handler instead
        # it waits at its locking read of the events, before it writes a delivery row: two
        # dispatchers inserting the same delivery rows at once deadlock on MariaDB (its unique
        # key's gap locks; seen in CI with two Celery tasks of one event)
        waits = wait_until(lock_waits, what="the second dispatcher to wait for the first")
        assert len(waits) == 1, waits
        assert "automation_event" in waits[0] and "FOR UPDATE" in waits[0], waits
        assert "automation_delivery" not in waits[0], waits
    (probe_dir / f"release-{event.pk}").touch()
    second.join(timeout=60)

    # then the worker's batch committed; the second dispatcher found the event dispatched and
    # ran nothing again
    assert outcome == [0]
    assert started.read_text().splitlines() == ["start"]
    assert Hit.objects.filter(event_id=event.pk, handler="blocking").count() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert set(Delivery.objects.filter(event=event).values_list("status", flat=True)) == {
        DeliveryStatus.DONE
    }
