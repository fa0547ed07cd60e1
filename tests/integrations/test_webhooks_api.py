"""``/api/webhooks`` through the test client: subscribe (secret once), list, change, pause,
resume, the delivery log with attempts, replay, test send; bad input named; roles."""

import pytest

from soloops.integrations.models.webhooks import DeliveryStatus, WebhookSubscription
from tests.api.conftest import Caller, assert_error
from tests.integrations.conftest import emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_api(caller) -> Caller:
    return caller("owner")


def _create(api, url, types=("test.*",)):
    response = api.post("/api/webhooks", {"name": "Books", "url": url, "event_types": list(types)})
    assert response.status_code == 201, response.content
    return response


def test_subscribe_shows_the_secret_once_and_lists_without_it(owner_api, receiver):
    # when the owner subscribes a URL
    response = _create(owner_api, receiver.url)

    # then the answer carries the secret and the Location; GETs never show it
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert response["Location"] == f"/api/webhooks/{body['id']}"
    got = owner_api.get(f"/api/webhooks/{body['id']}").json()
    assert "secret" not in got and got["status"] == "active"
    listed = owner_api.get("/api/webhooks").json()
    assert listed["count"] == 1 and "secret" not in listed["items"][0]


def test_the_delivery_log_shows_attempts_and_replay_sends_again(
    owner_api, receiver, run_after_commit
):
    # given a subscription whose receiver failed once
    sub_id = _create(owner_api, receiver.url).json()["id"]
    receiver.answers = [(500, "oops"), (200, "fine")]
    emit()
    run_after_commit()

    # when the owner reads the log
    log = owner_api.get(f"/api/webhooks/{sub_id}/deliveries").json()

    # then the delivery is failed with its answer, and its detail lists the attempt
    (item,) = log["items"]
    assert item["status"] == "failed" and item["last_status_code"] == 500
    detail = owner_api.get(f"/api/webhook-deliveries/{item['id']}").json()
    assert [(a["number"], a["status_code"]) for a in detail["attempt_log"]] == [(1, 500)]
    assert detail["attempt_log"][0]["response_excerpt"] == "oops"

    # when they replay it
    response = owner_api.post(f"/api/webhook-deliveries/{item['id']}/replay")
    run_after_commit()

    # then it went out again and is delivered
    assert response.status_code == 202
    detail = owner_api.get(f"/api/webhook-deliveries/{item['id']}").json()
    assert detail["status"] == "delivered"
    filtered = owner_api.get(f"/api/webhooks/{sub_id}/deliveries", status="failed").json()
    assert filtered["count"] == 0


def test_pause_resume_and_test_send(owner_api, receiver, run_after_commit):
    sub_id = _create(owner_api, receiver.url).json()["id"]

    paused = owner_api.post(f"/api/webhooks/{sub_id}/pause", {"reason": "maintenance"}).json()
    assert paused["status"] == "paused" and paused["paused_reason"] == "maintenance"
    assert_error(owner_api.post(f"/api/webhooks/{sub_id}/pause"), 409, "webhook_already_paused")

    response = owner_api.post(f"/api/webhooks/{sub_id}/test")
    run_after_commit()
    assert response.status_code == 202
    assert [b["type"] for b in receiver.bodies()] == ["webhook.test"]

    resumed = owner_api.post(f"/api/webhooks/{sub_id}/resume").json()
    assert resumed["status"] == "active"
    assert_error(owner_api.post(f"/api/webhooks/{sub_id}/resume"), 409, "webhook_not_paused")


def test_change_and_delete(owner_api, receiver):
    sub_id = _create(owner_api, receiver.url).json()["id"]
    changed = owner_api.call(
        "PATCH", f"/api/webhooks/{sub_id}", {"event_types": ["order.*", "stock.low"]}
    ).json()
    assert changed["event_types"] == ["order.*", "stock.low"]
    assert owner_api.call("DELETE", f"/api/webhooks/{sub_id}").status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert owner_api.get(f"/api/webhooks/{sub_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "javascript:alert(1)", "event_types": ["order.*"]}, "url"),
        ({"url": "https://x.example", "event_types": ["no.such.type"]}, "event_types"),
        ({"url": "https://x.example", "event_types": "order.*"}, "event_types"),
        ({"url": "https://x.example", "event_types": ["order.*"], "secret": "mine"}, "secret"),
        ({"event_types": ["order.*"]}, "url"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(owner_api, body, field):
    response = owner_api.post("/api/webhooks", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not WebhookSubscription.objects.exists()


def test_staff_may_test_and_replay_but_not_subscribe(caller, owner_api, receiver):
    sub_id = _create(owner_api, receiver.url).json()["id"]
    staff = caller("staff")
    assert staff.post(f"/api/webhooks/{sub_id}/test").status_code == 202
    body = {"url": receiver.url, "event_types": ["order.*"]}
    assert staff.post("/api/webhooks", body).status_code == 403
    assert staff.post(f"/api/webhooks/{sub_id}/pause").status_code == 403
    viewer = caller("viewer")
    assert viewer.get(f"/api/webhooks/{sub_id}/deliveries").status_code == 200
    assert viewer.post(f"/api/webhooks/{sub_id}/test").status_code == 403


def test_the_delivery_log_costs_the_same_queries_for_many_deliveries(
    owner_api, receiver, run_after_commit, django_assert_max_num_queries
):
    sub_id = _create(owner_api, receiver.url).json()["id"]
    for i in range(30):
        emit(n=i)
    run_after_commit()
    assert (
        owner_api.get(f"/api/webhooks/{sub_id}/deliveries", limit=50).json()["items"][0]["status"]
        == DeliveryStatus.DELIVERED
    )
    # auth (token + user), the subscription, the count, the page
    with django_assert_max_num_queries(8):
        page = owner_api.get(f"/api/webhooks/{sub_id}/deliveries", limit=50).json()
    assert page["count"] == 30
