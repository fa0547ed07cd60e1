"""Dry run: what a flow would do with a past event — the path, each step's rendered input and
what each action would do — with no event, email, HTTP call or row change."""

import pytest
from django.apps import apps
from django.core import mail

from soloops.automation.flows.dryrun import dry_run
from soloops.automation.models import Event
from soloops.automation.services import flow_save
from soloops.orders.services import order_place
from tests.automation.conftest import SYSTEM
from tests.factories import draft, make_variant

FLOW = """\
name: Review big orders
trigger: {{event: order.placed}}
if: len(lines) > 0
steps:
  - id: big
    if: order.total > 20
    then:
      - do: order.hold
        with: {{order: "{{{{ order.number }}}}", reason: "Total {{{{ order.total }}}}"}}
      - do: http.request
        with: {{url: "{url}/hook", body: {{order: "{{{{ order.number }}}}"}}}}
    else:
      - do: order.accept
        with: {{order: "{{{{ order.number }}}}"}}
  - wait_for: {{event: order.paid, where: {{number: "{{{{ order.number }}}}"}}, timeout: 2d}}
    on_timeout:
      - do: order.cancel
        with: {{order: "{{{{ order.number }}}}", reason: unpaid}}
  - approve: {{message: "Ship {{{{ order.number }}}}?"}}
  - do: probe.emit
    with: {{type: probe.ping}}
"""


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def placed(transactional_db, settle):
    """A big (30.00) and a small (10.00) order, placed and settled, and the flow saved but
    not published (so nothing runs it)."""
    make_variant("POSTER-1", price="30.00", stock=10)
    make_variant("CARD-1", price="10.00", stock=10)
    big, _ = order_place(draft=draft(("POSTER-1", 1)), channel="api", actor=SYSTEM)
    small, _ = order_place(
        draft=draft(("CARD-1", 1), email="bo@example.com"), channel="api", actor=SYSTEM
    )
    settle()
    events = {
        e.subject_id: e
        for e in Event.objects.filter(type="order.placed", subject_type="orders.order")
    }
    return big, small, events[str(big.pk)], events[str(small.pk)]


def check_nothing_happened(before: dict[str, int], receiver, mails: int) -> None:
    assert row_counts() == before
    assert receiver.requests == []
    assert len(mail.outbox) == mails


def test_a_dry_run_shows_the_path_inputs_and_what_would_happen_and_changes_nothing(
    placed, receiver
):
    # given
    big, small, big_placed, small_placed = placed
    version = flow_save(source=FLOW.format(url=receiver.url), actor=SYSTEM)
    before, mails = row_counts(), len(mail.outbox)

    # when the flow is tried against the big order's event
    report = dry_run(document=version.document, event=big_placed, actor=SYSTEM)

    # then nothing happened: no row, event, task, email or HTTP call
    check_nothing_happened(before, receiver, mails)

    # and the report shows the then-path with each step's rendered input
    assert report["triggered"] is True
    assert report["condition"] is True
    steps = report["steps"]
    assert [s["step"] for s in steps] == [
        "steps[0]",
        "steps[0].then[0]",
        "steps[0].then[1]",
        "steps[1]",
        "steps[2]",
        "steps[3]",
    ]
    assert steps[0]["result"] is True
    assert steps[1]["input"] == {"order": big.number, "reason": "Total 30.00"}
    assert steps[1]["would"] == f"hold order {big.number}: Total 30.00"
    assert steps[2]["input"] == {"url": f"{receiver.url}/hook", "body": {"order": big.number}}
    assert steps[2]["would"].startswith(f"POST {receiver.url}/hook")
    assert steps[3]["input"] == {"number": big.number}
    assert "wait up to 2d for order.paid" in steps[3]["would"]
    assert steps[4]["would"] == f"ask the owner: Ship {big.number}?"
    assert steps[5]["would"] == "emit probe.ping"
    assert not any("error" in s for s in steps)

    # when it is tried against the small order's event
    report = dry_run(document=version.document, event=small_placed, actor=SYSTEM)

    # then it takes the else path
    check_nothing_happened(before, receiver, mails)
    assert [s["step"] for s in report["steps"]][:2] == ["steps[0]", "steps[0].else[0]"]
    assert report["steps"][0]["result"] is False
    assert report["steps"][1]["would"] == f"accept order {small.number}"


def test_a_dry_run_against_another_event_type_says_the_flow_would_not_start(placed, receiver):
    # given
    _, _, big_placed, _ = placed
    version = flow_save(
        source=FLOW.format(url=receiver.url).replace("order.placed", "order.shipped"),
        actor=SYSTEM,
    )
    before = row_counts()

    # when
    report = dry_run(document=version.document, event=big_placed, actor=SYSTEM)

    # then
    assert row_counts() == before
    assert report["triggered"] is False
    assert "listens to order.shipped" in report["notes"][0]


def test_a_dry_run_through_the_api_changes_nothing(placed, receiver, api_as):
    # given
    big, _, big_placed, _ = placed
    owner = api_as("staff")
    flow_save(source=FLOW.format(url=receiver.url), key="review", actor=SYSTEM)
    owner.get("/api/flows")  # the token is used once, so its first use is not counted below
    before, mails = row_counts(), len(mail.outbox)

    # when
    response = owner.post("/api/flows/review/dry-run", {"event_id": big_placed.pk})

    # then
    assert response.status_code == 200, response.content
    check_nothing_happened(before, receiver, mails)
    assert response.json()["steps"][1]["would"] == f"hold order {big.number}: Total 30.00"
    assert owner.post("/api/flows/review/dry-run", {"event_id": 999999}).status_code == 404
