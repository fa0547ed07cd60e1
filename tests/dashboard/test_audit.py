"""Settings → Audit log: every event by who did it, what and when, newest first, filtered and
paged, exported as CSV; the owner's page only; a wrong filter is a form error, never a 500."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.events.models import Event
from soloops.events.services import event_emit
from tests.dashboard.conftest import SYSTEM


def emit(type: str, actor: Actor, subject=("probe.thing", 1), **payload) -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=subject, payload=payload, actor=actor)


@pytest.fixture
def log(owner, staff):
    """Events by a person, an API token, a flow run and the system (besides the users' own)."""
    sam = Actor.for_user(staff)
    token = Actor(kind="token", id="7", label="sam · laptop", user_id=staff.pk, role="staff")
    run = Actor(kind="flow_run", id="12", label="Ship paid orders · run 12", role="owner")
    emit("probe.done", sam, note="by sam")
    emit("probe.done", token, note="by the token")
    emit("probe.fired", run, note="by the run")
    emit("probe.done", Actor.system("scheduler"), note="by the scheduler")
    return {"sam": sam}


def rows(response) -> list[str]:
    html = response.content.decode()
    return [line for line in html.splitlines() if "data-event=" in line]


def test_the_owner_sees_who_did_what_newest_first(owner_client, log):
    # when
    response = owner_client.get("/settings/audit/")

    # then every event is listed, newest first, with who did it
    assert response.status_code == 200
    ids = list(Event.objects.order_by("-id").values_list("pk", flat=True))
    html = response.content.decode()
    positions = [html.index(f'data-event="{pk}"') for pk in ids]
    assert positions == sorted(positions)
    assert "Person:</span> sam" in html
    assert "API token:</span> sam · laptop" in html
    assert "Flow run:</span> " in html and "run 12" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "token"}, ["probe.done:sam · laptop"]),
        ({"kind": "user", "actor": "sam"}, ["probe.done:sam"]),
        ({"type": "probe.fired"}, ["probe.fired:Ship paid orders · run 12"]),
        ({"type": "probe.", "kind": "system"}, ["probe.done:scheduler"]),
    ],
)
def test_filters_narrow_by_who_and_what(owner_client, log, query, expected):
    response = owner_client.get("/settings/audit/", query)

    found = [
        f"{e.type}:{e.actor_label}"
        for e in Event.objects.filter(pk__in=_listed(response)).order_by("-id")
    ]
    assert found == expected


def _listed(response) -> list[int]:
    html = response.content.decode()
    return [int(part.split('"', 1)[0]) for part in html.split('data-event="')[1:]]


def test_days_are_the_shops_days(owner_client, log):
    # given an event of three days ago
    old = emit("probe.old", SYSTEM)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    day = (timezone.now() - timedelta(days=3)).date().isoformat()

    # when the owner asks for that day only
    response = owner_client.get("/settings/audit/", {"start": day, "end": day})

    # then only it
    assert _listed(response) == [old.pk]


def test_a_wrong_filter_is_a_form_error(owner_client, log):
    response = owner_client.get("/settings/audit/", {"type": "DROP TABLE", "end": "soon"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Write an event type like order.cancelled" in html
    assert "Enter a date like" in html


def test_the_log_is_paged_in_constant_queries(owner_client, owner, django_assert_max_num_queries):
    # given 60 events
    actor = Actor.for_user(owner)
    for i in range(60):
        emit("probe.done", actor, n=i)

    # when the first and the second page are read
    with django_assert_max_num_queries(QUERIES):
        first = owner_client.get("/settings/audit/")
    with django_assert_max_num_queries(QUERIES):
        second = owner_client.get("/settings/audit/", {"page": 2})

    # then 50, then the rest
    assert len(_listed(first)) == 50
    assert len(_listed(second)) == Event.objects.count() - 50
    assert 'href="?page=2"' in first.content.decode()


QUERIES = 4  # the session, the user, the shop profile, the page of events: never one a row


def test_the_export_is_the_filtered_rows_as_csv(owner_client, log):
    response = owner_client.get("/settings/audit/export.csv", {"kind": "token"})

    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "time,type,subject_type,subject_id,actor_kind,actor,actor_id"
    assert len(lines) == 2 and ",token,sam · laptop,7" in lines[1]


def test_only_the_owner_reads_the_audit_log(staff_client, viewer_client, log):
    assert staff_client.get("/settings/audit/").status_code == 403
    assert viewer_client.get("/settings/audit/").status_code == 403
    assert staff_client.get("/settings/audit/export.csv").status_code == 403
