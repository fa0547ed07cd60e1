"""Settings → Webhooks through the test client: subscribe (secret once, errors beside their
field), the delivery log and a delivery's attempts, pause/resume/test/replay, who may do what,
and Today's alert for a paused webhook."""

import pytest

from soloops.integrations.models.webhooks import WebhookDelivery, WebhookSubscription
from tests.dashboard.conftest import client_for, make_person
from tests.integrations.conftest import emit, subscribe

pytestmark = pytest.mark.django_db

FORM = {"name": "Books", "url": "https://books.example/hook", "event_types": "order.* stock.low"}


@pytest.fixture
def owner_client(db):
    return client_for(make_person("olivia", "owner"))


def test_the_owner_subscribes_and_sees_the_secret_once(owner_client):
    # when the owner subscribes a URL
    response = owner_client.post("/settings/webhooks/", FORM)

    # then the answer shows the secret, not cached; the list and the page never show it again
    sub = WebhookSubscription.objects.get()
    assert response.status_code == 200 and sub.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert sub.event_types == ["order.*", "stock.low"]
    assert sub.secret not in owner_client.get("/settings/webhooks/").content.decode()
    assert sub.secret not in owner_client.get(f"/settings/webhooks/{sub.pk}/").content.decode()


def test_a_bad_event_type_is_shown_beside_its_field_and_nothing_is_saved(owner_client):
    response = owner_client.post("/settings/webhooks/", {**FORM, "event_types": "order.plaed"})
    assert response.status_code == 400
    assert "matches no event type" in response.content.decode()
    assert 'id="id_event_types_error"' in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_log_shows_each_delivery_and_its_attempts(owner_client, receiver, run_after_commit):
    # given a subscription whose receiver answered 503
    receiver.answers = [(503, "maintenance window")]
    sub = subscribe(receiver.url)
    emit()
    run_after_commit()
    delivery = WebhookDelivery.objects.get()

    # then the subscription page lists it failed, and the delivery page shows the answer
    page = owner_client.get(f"/settings/webhooks/{sub.pk}/").content.decode()
    assert "test.ping" in page and "503" in page
    detail = owner_client.get(f"/settings/webhooks/deliveries/{delivery.pk}/").content.decode()
    assert "maintenance window" in detail and delivery.key in detail

    # when the receiver is back and the owner replays it, then it is delivered
    receiver.answers = [(200, "ok")]
    owner_client.post(f"/settings/webhooks/deliveries/{delivery.pk}/")
    run_after_commit()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_pause_shows_on_today_until_resumed(owner_client, receiver, run_after_commit):
    sub = subscribe(receiver.url, name="Accounting")
    owner_client.post(f"/settings/webhooks/{sub.pk}/pause", {"reason": "receiver moved"})
    sub.refresh_from_db()
    assert sub.status == "paused"
    today = owner_client.get("/").content.decode()
    assert "Webhook Accounting is paused" in today and "receiver moved" in today

    owner_client.post(f"/settings/webhooks/{sub.pk}/resume")
    assert "is paused" not in owner_client.get("/").content.decode()


def test_a_test_send_from_the_page(owner_client, receiver, run_after_commit):
    sub = subscribe(receiver.url)
    owner_client.post(f"/settings/webhooks/{sub.pk}/test")
    run_after_commit()
    assert [b["type"] for b in receiver.bodies()] == ["webhook.test"]


def test_who_may_do_what(receiver):
    sub = subscribe(receiver.url)
    staff = client_for(make_person("sam", "staff"))
    viewer = client_for(make_person("vic", "viewer"))
    # everyone looks
    assert viewer.get(f"/settings/webhooks/{sub.pk}/").status_code == 200
    # staff test; only the owner subscribes, pauses and removes
    assert staff.post(f"/settings/webhooks/{sub.pk}/test").status_code == 302
    assert staff.post("/settings/webhooks/", FORM).status_code == 403
    assert staff.post(f"/settings/webhooks/{sub.pk}/pause").status_code == 403
    assert staff.post(f"/settings/webhooks/{sub.pk}/delete").status_code == 403
    assert viewer.post(f"/settings/webhooks/{sub.pk}/test").status_code == 403
    assert WebhookSubscription.objects.get().status == "active"


def test_removing_stops_deliveries(owner_client, receiver, run_after_commit):
    sub = subscribe(receiver.url)
    owner_client.post(f"/settings/webhooks/{sub.pk}/delete")
    emit()
    run_after_commit()
    assert receiver.requests == [] and not WebhookSubscription.objects.exists()


def test_the_delivery_log_page_costs_the_same_queries_for_many(
    owner_client, receiver, run_after_commit, django_assert_max_num_queries
):
    sub = subscribe(receiver.url)
    for i in range(40):
        emit(n=i)
    run_after_commit()
    # session, user, the subscription, the page of deliveries, messages
    with django_assert_max_num_queries(8):
        response = owner_client.get(f"/settings/webhooks/{sub.pk}/")
    assert response.status_code == 200
