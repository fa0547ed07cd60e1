"""Decisions: one queue of held orders, approve steps and purchase order drafts, oldest first;
accept / approve / send or reject with a reason, each through its service and event; bad
input and viewers change nothing; a fixed number of queries however long the queue is."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from soloops.automation.models import Event, FlowRun, RunStatus
from soloops.emails.models import EmailSend
from soloops.orders.models import Order
from tests.automation.conftest import probe_dir  # noqa: F401 (a fixture)
from tests.dashboard.builders import (
    approval_flow,
    held_order,
    purchase_order_draft,
    review_flow,
    run_awaiting_approval,
)
from tests.dashboard.conftest import client_for, make_person
from tests.probe.models import Hit

URL = "/decisions/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def decide(client, kind: str, ref, decision: str, note: str = ""):
    return client.post(URL, {"kind": kind, "ref": str(ref), "decision": decision, "note": note})


def events_about(subject, type: str) -> list[Event]:
    return list(Event.objects.filter(type=type, subject_id=str(subject.pk)))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


# --- the queue --------------------------------------------------------------------------------


def test_nothing_waiting_says_so(owner_client):
    response = owner_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing is waiting for you." in page
    assert "purchase order drafts and price suggestions appear here" in page


def test_the_queue_lists_each_kind_with_why_it_waits_oldest_first(
    transactional_db,
    run_tasks,
    probe_dir,  # noqa: F811
):
    # given a held order, then a run asking for approval, then a purchase order draft, with
    # the order made the oldest and the draft the newest
    order = held_order()
    run = run_awaiting_approval(run_tasks)
    po = purchase_order_draft("INK-1", "Paper Co")
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(hours=3))
    client = client_for(make_person("olivia", "owner"))

    # when the owner opens Decisions
    response = client.get(URL)

    # then all three are listed, oldest first, each saying why it waits
    assert response.status_code == 200
    page = response.content.decode()
    positions = [
        page.index(f'id="order-{order.number}"'),
        page.index(f'id="approval-{run.pk}"'),
        page.index(f'id="purchase_order-{po.number}"'),
    ]
    assert positions == sorted(positions)
    assert f'<a href="/orders/{order.number}/">{order.number}</a>' in page
    assert "First order with a total of" in page  # the review's risk reason
    assert "Refund 120 to ada?" in page  # the approve step's message
    assert "Refund above 100" in page
    assert "Paper Co" in page and "€" in page  # the supplier and the total
    assert "INK-1: 1 available and 0 on order, below the reorder point 5" in page
    assert "Waiting 3\xa0hours" in page
    # and each has its two buttons, confirmed before they submit
    assert f'data-confirm="Accept order {order.number}?"' in page
    assert 'data-confirm="Approve this step of Refund above 100?"' in page
    assert f'data-confirm="Send purchase order {po.number} to paper.co@example.com?"' in page
    assert page.count('name="decision" value="reject"') == 3


# --- held orders ------------------------------------------------------------------------------


def test_risk_reasons_read_in_the_owners_language_and_stay_english_in_the_api(owner, db):
    # given a held order (its first order is over the review's limit) and an owner who reads
    # Chinese
    order = held_order()
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    client = client_for(owner)

    # when she opens the decisions queue and the order
    queue = client.get(URL).content.decode()
    page = client.get(f"/orders/{order.number}/").content.decode()

    # then the reason is in Chinese on both, with the order's figures
    for html in (queue, page):
        assert "首笔订单金额为 €600.00（超过 €500.00）" in html, html  # noqa: RUF001
        assert "First order with a total of" not in html
    # and the stored reason, as the API returns it, stays English with its params
    (reason,) = Order.objects.get(pk=order.pk).review["reasons"]
    assert reason["message"] == "First order with a total of €600.00 (over €500.00)"
    assert reason["params"]["total"] == "600.00"


def test_staff_accept_a_held_order_as_themselves(staff_client, staff):
    # given a held order
    order = held_order()

    # when a staff member accepts it with a note
    response = decide(staff_client, "order", order.number, "approve", "known customer")

    # then it is accepted, order.accepted names them, and they are told so back on the queue
    assert response.status_code == 302
    assert response["Location"] == URL
    assert status_of(order) == "accepted"
    (event,) = events_about(order, "order.accepted")
    assert (event.actor_kind, event.actor_label) == ("user", staff.username)
    assert event.payload["reason"] == "known customer"
    page = staff_client.get(URL)
    assert f"Order {order.number} accepted." in messages_of(page)
    assert f'id="order-{order.number}"' not in page.content.decode()


def test_the_owner_rejects_a_held_order_with_a_reason(owner_client, owner):
    order = held_order()

    response = decide(owner_client, "order", order.number, "reject", "  stolen card  ")

    assert response.status_code == 302
    assert status_of(order) == "rejected"
    order.refresh_from_db()
    assert order.status_reason == "stolen card"
    (event,) = events_about(order, "order.rejected")
    assert event.actor_label == owner.username
    assert event.payload["reason"] == "stolen card"


def test_rejecting_without_a_reason_shows_the_error_beside_the_note_and_changes_nothing(
    owner_client,
):
    # given a held order
    order = held_order()
    events_before = Event.objects.count()

    # when the owner rejects it without saying why
    response = decide(owner_client, "order", order.number, "reject", "   ")

    # then the queue comes back with the error beside that order's note, and nothing changed
    assert response.status_code == 400
    page = response.content.decode()
    item = page[page.index(f'id="order-{order.number}"') :]
    assert "Say why you reject it." in item[: item.index("</form>")]
    assert f'id="id_order_{order.number}_note"' in item
    assert status_of(order) == "on_hold"
    assert Event.objects.count() == events_before


def test_deciding_an_order_decided_meanwhile_says_so(owner_client):
    # given a held order someone else accepted a moment ago
    order = held_order()
    decide(owner_client, "order", order.number, "approve")

    # when the owner's older page accepts it again
    response = decide(owner_client, "order", order.number, "approve")

    # then they are told why nothing happened
    assert response.status_code == 302
    follow = owner_client.get(URL)
    assert any("cannot become accepted" in m for m in messages_of(follow))
    assert len(events_about(order, "order.accepted")) == 1


def test_an_unknown_kind_or_order_changes_nothing(owner_client):
    order = held_order()

    assert decide(owner_client, "order", "SO-NOPE", "approve").status_code == 302
    assert decide(owner_client, "invoice", order.number, "approve").status_code == 302
    maybe = decide(owner_client, "order", order.number, "maybe")
    assert maybe.status_code == 400
    assert "Select a valid choice" in maybe.content.decode()

    assert status_of(order) == "on_hold"


# --- approve steps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "note", "event_type", "hits"),
    [
        ("approve", "fine", "approved", ["write after ada"]),
        ("reject", "too much", "rejected", ["write told-no", "write after ada"]),
    ],
)
def test_an_answer_to_an_approve_step_resumes_the_run(
    transactional_db,
    run_tasks,
    probe_dir,  # noqa: F811
    decision,
    note,
    event_type,
    hits,
):
    # given a run waiting for the owner
    run = run_awaiting_approval(run_tasks)
    staff = make_person("sam", "staff")
    client = client_for(staff)

    # when a staff member answers from Decisions and the worker runs
    response = decide(client, "approval", run.pk, decision, note)
    run_tasks()

    # then the run went on the way they chose, their answer recorded with their name
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert list(Hit.objects.filter(event_id=run.pk).values_list("handler", flat=True)) == hits
    step = run.steps.get(key="0")
    assert step.output == {"approved": decision == "approve", "note": note, "by": "sam"}
    (event,) = events_about(run, f"flow_run.{event_type}")
    assert event.actor_label == "sam"
    outcome = messages_of(client.get(URL))[0]
    assert outcome.startswith("Approved:" if decision == "approve" else "Rejected:")


def test_rejecting_a_step_needs_a_reason(transactional_db, run_tasks, probe_dir):  # noqa: F811
    run = run_awaiting_approval(run_tasks)
    client = client_for(make_person("olivia", "owner"))

    response = decide(client, "approval", run.pk, "reject")

    assert response.status_code == 400
    assert "Say why you reject it." in response.content.decode()
    assert status_of(run) == RunStatus.AWAITING_APPROVAL


# --- one decision per held order -------------------------------------------------------------


@pytest.fixture
def asked(transactional_db, run_tasks):
    """A held order and the review flow's run asking the owner about it."""
    flow = review_flow()
    order = held_order()
    run_tasks()
    run = FlowRun.objects.get(flow=flow)
    assert run.status == RunStatus.AWAITING_APPROVAL
    return order, run


def test_a_held_order_the_review_flow_asks_about_is_one_card(asked):
    order, run = asked
    client = client_for(make_person("olivia", "owner"))

    page = client.get(URL).content.decode()

    # one card, the order's, saying that deciding it also answers the flow
    assert page.count('<li id="') == 1
    assert f'id="order-{order.number}"' in page
    assert f'id="approval-{run.pk}"' not in page
    assert f'data-also-answers="{run.pk}"' in page
    assert page.count('name="decision" value="approve"') == 1


def test_accepting_on_the_order_page_leaves_no_stale_card(asked, run_tasks):
    # given the owner accepts the held order on its page, before the worker has run
    order, run = asked
    client = client_for(make_person("olivia", "owner"))
    client.post(f"/orders/{order.number}/accept/", {"accept-reason": ""})

    # then Decisions shows nothing left to decide about it, even before the worker runs
    page = client.get(URL).content.decode()
    assert "Nothing is waiting for you." in page
    assert f"approval-{run.pk}" not in page

    # and once it runs, the flow's question is settled, no run failed
    run_tasks()
    assert status_of(run) == RunStatus.COMPLETED
    assert not FlowRun.objects.filter(status=RunStatus.FAILED).exists()
    today = client.get("/").content.decode()
    assert re.search(r'data-tile="failed-runs">\s*<span class="figure">0<', today)


def test_answering_a_stale_question_from_an_old_page_says_it_was_decided(asked, run_tasks):
    # given the order accepted elsewhere, the event not dispatched yet
    order, run = asked
    client = client_for(make_person("olivia", "owner"))
    client.post(f"/orders/{order.number}/accept/", {"accept-reason": ""})

    # when an older page approves the flow's question
    response = decide(client, "approval", run.pk, "approve")
    run_tasks()

    # then nothing fails: the question is settled and the owner is told so
    assert response.status_code == 302
    assert any("Already decided elsewhere" in m for m in messages_of(client.get(URL)))
    assert status_of(run) == RunStatus.COMPLETED
    assert status_of(order) == "accepted"
    assert not FlowRun.objects.filter(status=RunStatus.FAILED).exists()


def test_an_approval_card_states_the_question_in_full(transactional_db, run_tasks, probe_dir):  # noqa: F811
    run = run_awaiting_approval(run_tasks)
    client = client_for(make_person("olivia", "owner"))

    page = client.get(URL).content.decode()

    item = page[page.index(f'id="approval-{run.pk}"') :]
    assert '<h2 class="question">Refund 120 to ada?</h2>' in item
    assert "Asked by the flow" in item and "If nobody answers by" in item
    assert "Flow run" not in item


# --- purchase order drafts --------------------------------------------------------------------


def test_sending_a_draft_from_decisions(owner_client, owner, django_capture_on_commit_callbacks):
    # given a draft for a low SKU
    po = purchase_order_draft("INK-1", "Paper Co")

    # when the owner sends it
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(owner_client, "purchase_order", po.number, "approve")

    # then it is sent to the supplier, by them
    assert response.status_code == 302
    assert status_of(po) == "sent"
    (event,) = events_about(po, "purchase_order.sent")
    assert event.actor_label == owner.username
    assert EmailSend.objects.filter(to="paper.co@example.com").count() == 1
    assert f"Purchase order {po.number} sent to paper.co@example.com." in messages_of(
        owner_client.get(URL)
    )


def test_cancelling_a_draft_needs_a_reason_and_then_cancels_it(owner_client):
    po = purchase_order_draft("INK-1", "Paper Co")

    refused = decide(owner_client, "purchase_order", po.number, "reject", "")
    assert refused.status_code == 400
    assert "Say why you cancel this draft." in refused.content.decode()
    assert status_of(po) == "draft"

    response = decide(owner_client, "purchase_order", po.number, "reject", "found a cheaper one")
    assert response.status_code == 302
    assert status_of(po) == "cancelled"
    (event,) = events_about(po, "purchase_order.cancelled")
    assert event.payload["reason"] == "found a cheaper one"


# --- who may decide ---------------------------------------------------------------------------


def test_a_viewer_sees_the_queue_without_buttons_and_cannot_decide(viewer_client):
    # given a held order and a draft
    order = held_order()
    po = purchase_order_draft("INK-1", "Paper Co")
    events_before = Event.objects.count()

    # when a viewer looks, then forges the forms
    page = viewer_client.get(URL).content.decode()
    accept = decide(viewer_client, "order", order.number, "approve")
    send = decide(viewer_client, "purchase_order", po.number, "approve")

    # then they saw both without buttons, and their posts were refused with nothing changed
    assert f'id="order-{order.number}"' in page and f'id="purchase_order-{po.number}"' in page
    assert 'name="decision"' not in page
    assert 'action="/decisions/"' not in page
    assert accept.status_code == 403 and send.status_code == 403
    assert status_of(order) == "on_hold" and status_of(po) == "draft"
    assert Event.objects.count() == events_before


# --- speed ------------------------------------------------------------------------------------

# Session and user; held orders, approval runs, drafts, price suggestions (each one query).
QUERIES = 6


def test_the_queue_costs_the_same_queries_for_few_and_many_items(
    owner_client, django_assert_num_queries
):
    # given one of each kind
    flow = approval_flow()
    held_order()
    purchase_order_draft("INK-1", "Paper Co")
    _paused_run(flow)
    with django_assert_num_queries(QUERIES):
        assert owner_client.get(URL).status_code == 200

    # when many wait
    for _ in range(5):
        held_order()
        _paused_run(flow)
    for i in range(4):
        purchase_order_draft(f"PEN-{i}", f"Pen Co {i}")

    # then the page costs the same
    with django_assert_num_queries(QUERIES):
        response = owner_client.get(URL)
    assert response.content.decode().count('name="decision" value="approve"') == 6 + 6 + 5


def _paused_run(flow) -> FlowRun:
    """A run stopped at its approve step, written directly (no worker in a ``db`` test)."""
    from soloops.automation.models import StepRun

    run = FlowRun.objects.create(
        flow=flow,
        version=flow.published_version,
        status=RunStatus.AWAITING_APPROVAL,
        cursor="0",
    )
    StepRun.objects.create(
        run=run, key="0", kind="approve", status="waiting", input={"message": "Go ahead?"}
    )
    return run
