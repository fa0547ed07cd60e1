"""The event catalogue: every emitted type is declared, and payloads fit their schemas."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.events.catalogue import InvalidEvent, catalogue_markdown, event_types
from soloops.events.services import event_emit
from soloops.orders.selectors import OrderStatus

REPO = Path(__file__).resolve().parent.parent
ACTOR = Actor.system("test")


def test_an_undeclared_type_is_refused_and_nothing_is_written(db):
    # when code emits a type no app declares
    refused = r"'order\.teleported' is not declared"
    with pytest.raises(InvalidEvent, match=refused), transaction.atomic():
        event_emit(type="order.teleported", subject=("orders.order", 1), payload={}, actor=ACTOR)

    # then the event log holds nothing
    from soloops.automation.selectors import events_list

    assert list(events_list(limit=10)) == []


def test_a_payload_missing_a_declared_field_is_refused(db):
    with pytest.raises(InvalidEvent, match="order_number"), transaction.atomic():
        event_emit(
            type="shipment.delivered",
            subject=("fulfillment.shipment", 1),
            payload={"number": "SH-1", "carrier": "manual", "tracking_number": ""},
            actor=ACTOR,
        )


def test_a_field_of_the_wrong_type_is_refused(db):
    with pytest.raises(InvalidEvent, match="quantity"), transaction.atomic():
        event_emit(
            type="order.placed",
            subject=("orders.order", 1),
            payload={
                "number": "SO-1",
                "channel": "api",
                "email": "a@example.com",
                "total": "1.00",
                "currency": "EUR",
                "lines": [{"sku": "MUG", "quantity": "2"}],
            },
            actor=ACTOR,
        )


def test_every_order_status_has_its_event_declared():
    declared = event_types()
    for status in OrderStatus.values:
        assert f"order.{status}" in declared


def test_every_literal_event_type_in_the_code_is_declared():
    # given every `type="…"` and EventSpec("…") literal in the application code
    pattern = re.compile(r'(?:(?<![a-z_])type=|EventSpec\()\s*"([a-z_]+\.[a-z_]+)"')
    found = set()
    for path in (REPO / "soloops").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found.update(pattern.findall(path.read_text()))

    # then each names a declared type
    assert found, "the scan found no event types; the pattern is stale"
    assert sorted(found - set(event_types())) == []


def test_the_readme_lists_the_catalogue_as_generated():
    readme = (REPO / "README.md").read_text()
    assert catalogue_markdown() in readme, (
        "README's event list is out of date: paste `soloops events catalogue` into it"
    )
