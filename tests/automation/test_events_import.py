"""events_import: past facts recorded as history, never handed to a handler."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.automation.models import Event
from soloops.events.services import PastEvent, events_import, events_relay


def test_imported_events_keep_their_time_and_are_never_dispatched(
    db, django_capture_on_commit_callbacks
):
    # given two facts from last year
    then = datetime(2025, 11, 28, 10, 0, tzinfo=UTC)
    correlation = uuid.uuid4()
    past = [
        PastEvent("order.placed", ("orders.order", 7), {"number": "SO-1"}, then, correlation),
        PastEvent("order.accepted", ("orders.order", 7), {"number": "SO-1"}, then, correlation),
    ]

    # when they are imported
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        count = events_import(events=past, actor=Actor.system("demo"))

    # then they are history: dated then, already dispatched, no dispatch enqueued or relayed
    assert count == 2
    events = list(Event.objects.order_by("id"))
    assert [e.type for e in events] == ["order.placed", "order.accepted"]
    assert all(e.created_at == e.dispatched_at == then for e in events)
    assert {e.correlation_id for e in events} == {correlation}
    assert events[0].actor_label == "demo"
    assert callbacks == []
    assert events_relay() == 0


def test_import_needs_the_transaction_of_what_it_describes(transactional_db):
    past = PastEvent("x.y", ("a.b", 1), {}, datetime.now(UTC), uuid.uuid4())
    with pytest.raises(RuntimeError):
        events_import(events=[past], actor=Actor.system("demo"))
