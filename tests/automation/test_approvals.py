"""One decision per thing to decide: the ``review-held-orders`` flow asks the owner about each
held order, and deciding the order anywhere else (its page, Decisions, the API, another flow)
settles that question with a note — the run completes, never fails, and its timeout never
acts on an order already decided.

Each path is driven as the owner drives it; the worker runs the real queued tasks."""

from pathlib import Path

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.automation.models import Event, FlowRun, RunStatus
from soloops.automation.services import flow_import, flow_run_advance, flow_runs_wake_due
from soloops.automation.services.runs import flow_run_decide
from soloops.orders.models import Order
from soloops.orders.services import order_accept, order_cancel, order_hold
from tests.automation.conftest import SYSTEM, later
from tests.dashboard.builders import held_order
from tests.dashboard.conftest import client_for, make_person

REVIEW_FLOW = Path(__file__).parents[2] / "soloops/automation/default_flows/review-held-orders.yaml"


@pytest.fixture
def review_flow(transactional_db):
    return flow_import(source=REVIEW_FLOW.read_text(), key="review-held-orders", actor=SYSTEM)


@pytest.fixture
def asked(review_flow, run_tasks):
    """A held order and the flow's run asking the owner about it."""
    order = held_order()
    run_tasks()
    run = FlowRun.objects.get(flow=review_flow)
    assert run.status == RunStatus.AWAITING_APPROVAL, run.error
    return order, run


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


def assert_settled(run: FlowRun, decision: str, by: str) -> None:
    """The question is done with a note naming the decision, the run completed, not failed."""
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error
    assert run.error == ""
    step = run.steps.get(key="0")
    assert step.status == "done"
    assert step.output["settled"] is True
    assert step.output["decision"] == decision
    assert step.output["by"] == by
    assert step.output["note"].startswith(f"{decision} by {by} before this was answered")
    # the steps after the question (accept / reject the order) did not run
    assert list(run.steps.values_list("key", flat=True)) == ["0"]
    (settled,) = Event.objects.filter(type="flow_run.settled", subject_id=str(run.pk))
    assert settled.actor_label == by
    assert settled.payload["decision"] == decision
    assert not FlowRun.objects.filter(status=RunStatus.FAILED).exists()


def test_the_question_states_the_order_its_total_and_why_it_was_held(asked):
    order, run = asked

    message = run.steps.get(key="0").input["message"]

    assert message.startswith(f"Accept order {order.number} (€600.00)? It was held because: ")
    assert "First order with a total of €600.00 (over €500.00)" in message


def test_accepting_on_the_order_page_settles_the_question(asked, run_tasks):
    # given a held order the flow asks about
    order, run = asked
    owner = make_person("olivia", "owner")

    # when the owner accepts it on the order page and the worker runs
    response = client_for(owner).post(f"/orders/{order.number}/accept/", {"accept-reason": ""})
    run_tasks()

    # then the order is accepted once and the flow's question settled with a note
    assert response.status_code == 302
    assert status_of(order) == "accepted"
    assert Event.objects.filter(type="order.accepted", subject_id=str(order.pk)).count() == 1
    assert_settled(run, "order.accepted", "olivia")


def test_accepting_in_decisions_settles_the_question(asked, run_tasks):
    order, run = asked
    client = client_for(make_person("sam", "staff"))

    response = client.post(
        "/decisions/", {"kind": "order", "ref": order.number, "decision": "approve", "note": ""}
    )
    run_tasks()

    assert response.status_code == 302
    assert status_of(order) == "accepted"
    assert_settled(run, "order.accepted", "sam")


def test_accepting_through_the_api_settles_the_question(asked, run_tasks, api_as):
    order, run = asked

    response = api_as("staff").post(f"/api/orders/{order.number}/accept", {"reason": "fine"})
    run_tasks()

    assert response.status_code == 200, response.content
    assert status_of(order) == "accepted"
    assert_settled(run, "order.accepted", "staff-user · test")  # the token


def test_cancelling_the_order_settles_the_question(asked, run_tasks):
    order, run = asked

    with transaction.atomic():
        order_cancel(order=Order.objects.get(pk=order.pk), actor=SYSTEM, reason="customer asked")
    run_tasks()

    assert status_of(order) == "cancelled"
    assert_settled(run, "order.cancelled", "test")


def test_approving_a_stale_question_settles_it_instead_of_failing(asked, run_tasks):
    # given a held order accepted on its page, its event not dispatched yet
    order, run = asked
    with transaction.atomic():
        order_accept(order=Order.objects.get(pk=order.pk), actor=SYSTEM)

    # when someone approves the flow's question from an older page
    owner = make_person("olivia", "owner")
    flow_run_decide(run=run, approved=True, note="", actor=Actor.for_user(owner))
    run_tasks()

    # then nothing fails: the question is settled by the acceptance, the order accepted once
    assert_settled(run, "order.accepted", "test")
    assert status_of(order) == "accepted"
    assert Event.objects.filter(type="order.accepted", subject_id=str(order.pk)).count() == 1
    assert not Event.objects.filter(type="flow_run.approved").exists()


def test_the_timeout_never_rejects_an_order_decided_meanwhile(asked, run_tasks):
    # given a held order accepted, its event not dispatched yet
    order, run = asked
    with transaction.atomic():
        order_accept(order=Order.objects.get(pk=order.pk), actor=SYSTEM)

    # when the question's 3 days pass and the woken run advances first
    assert flow_runs_wake_due(now=later(days=4)) == 1
    flow_run_advance(run_id=run.pk)
    run_tasks()

    # then the order stays accepted and the run is settled, not failed
    assert status_of(order) == "accepted"
    assert_settled(run, "order.accepted", "test")
    assert not Event.objects.filter(type="order.rejected").exists()


def test_nobody_deciding_in_3_days_still_rejects_a_held_order(asked, run_tasks):
    order, run = asked

    flow_runs_wake_due(now=later(days=4))
    run_tasks()

    assert status_of(order) == "rejected"
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(key="0").output == {"approved": False, "timed_out": True}
    assert not Event.objects.filter(type="flow_run.settled").exists()


def test_approving_the_question_accepts_the_order(asked, run_tasks):
    order, run = asked
    flow_run_decide(
        run=run, approved=True, note="ok", actor=Actor.for_user(make_person("sam", "staff"))
    )
    run_tasks()

    assert status_of(order) == "accepted"
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(key="0").output["approved"] is True
    # the acceptance the run made itself settles nothing (its question was answered)
    assert not Event.objects.filter(type="flow_run.settled").exists()


def test_holding_again_asks_again(asked, run_tasks, review_flow):
    # given a held order accepted (settling the first question), then held again by hand
    order, first = asked
    with transaction.atomic():
        order_accept(order=Order.objects.get(pk=order.pk), actor=SYSTEM)
    run_tasks()
    with transaction.atomic():
        order_hold(order=Order.objects.get(pk=order.pk), actor=SYSTEM, reason="address odd")
    run_tasks()

    # then a new question waits: the earlier acceptance does not settle it
    second = FlowRun.objects.exclude(pk=first.pk).get(flow=review_flow)
    assert second.status == RunStatus.AWAITING_APPROVAL
    assert "It was held because: address odd" in second.steps.get(key="0").input["message"]
    assert_settled(first, "order.accepted", "test")


def test_rejecting_a_stale_question_through_the_api_answers_200_with_the_note(
    asked, run_tasks, api_as
):
    # given the order accepted through the API, its event not dispatched yet
    order, run = asked
    api = api_as("owner")
    assert api.post(f"/api/orders/{order.number}/accept", {}).status_code == 200

    # when the same caller rejects the flow's question afterwards
    response = api.post(f"/api/runs/{run.pk}/reject", {"note": "too late"})
    run_tasks()

    # then the answer is the settled run (not a 409, not a failed run), the order untouched
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed"
    (step,) = body["steps"]
    assert step["output"]["settled"] is True
    assert step["output"]["decision"] == "order.accepted"
    assert status_of(order) == "accepted"
    assert_settled(run, "order.accepted", "owner-user · test")
    assert not Event.objects.filter(type="flow_run.rejected").exists()
