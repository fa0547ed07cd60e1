"""The event log's models moved from the automation app to ``soloops.events`` without
touching their tables: a database migrated before the move keeps every event, delivery and
the runs' links to their trigger events, and the engine reads them through the new models.
Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from soloops.automation.models import FlowRun
from soloops.events.models import Delivery, Event

BEFORE = [("automation", "0005_flows_stamp"), ("events", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_move(transactional_db):
    """The database as it was before the move; migrated to the latest state afterwards even
    if the test fails, so the tests after it find the schema they expect."""
    executor = _migrate(BEFORE)
    applied = MigrationRecorder(connection).applied_migrations()
    assert ("events", "0001_initial") not in applied
    assert ("automation", "0006_event_log_moves_to_events") not in applied
    yield executor.loader.project_state([BEFORE[0]]).apps
    _migrate(_latest())


def test_a_database_from_before_the_move_keeps_its_events_deliveries_and_run_links(
    before_the_move,
):
    # given an event, its delivery and a run it triggered, written through the old models
    old = before_the_move
    event = old.get_model("automation", "Event").objects.create(
        type="order.placed",
        subject_type="orders.order",
        subject_id="42",
        payload={"total": "12.00"},
        actor_kind="system",
        correlation_id=uuid.uuid4(),
        created_at=timezone.now(),
    )
    old.get_model("automation", "Delivery").objects.create(
        event=event, handler="some.handler", status="done", attempts=1
    )
    flow = old.get_model("automation", "Flow").objects.create(key="old-flow", name="Old flow")
    version = old.get_model("automation", "FlowVersion").objects.create(
        flow=flow, number=1, source="", document={}
    )
    old.get_model("automation", "FlowRun").objects.create(
        flow=flow, version=version, trigger_event=event
    )

    # when the database is migrated to the latest state
    _migrate(_latest())

    # then the new models read the same rows, and the run still points at its event
    moved = Event.objects.get(pk=event.pk)
    assert (moved.type, moved.subject_id, moved.payload) == (
        "order.placed",
        "42",
        {"total": "12.00"},
    )
    assert list(Delivery.objects.filter(event=moved).values_list("handler", "status")) == [
        ("some.handler", "done")
    ]
    assert FlowRun.objects.get(flow__key="old-flow").trigger_event == moved
    # and the tables kept their names: nothing was copied or recreated
    assert Event._meta.db_table == "automation_event"
    assert Delivery._meta.db_table == "automation_delivery"
    assert {"automation_event", "automation_delivery"} <= set(
        connection.introspection.table_names()
    )


def test_the_move_leaves_no_model_change_unmigrated(db):
    # given the models as the code declares them, and the migrations
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.state import ProjectState

    loader = MigrationLoader(None, ignore_no_migrations=True)

    # when the autodetector compares them
    changes = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps)).changes(
        graph=loader.graph
    )

    # then the event log's app and the engine's need no new migration
    assert not changes.get("events") and not changes.get("automation")
