"""Outbound webhooks against a real local HTTP receiver: matching, signing, the idempotency id,
retries with backoff after 5xx and timeouts, pausing after failures in a row, resume, replay
and test sends. Tasks run with the real database worker in this process."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.errors import Conflict, InvalidInput
from soloops.events.selectors import timeline_for
from soloops.integrations.models.webhooks import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from soloops.integrations.services import webhooks as services
from soloops.integrations.services.webhook_deliveries import MAX_ATTEMPTS, retry_delay
from tests.integrations.conftest import SYSTEM, emit, subscribe, verify_soloops_signature

pytestmark = pytest.mark.django_db


def _retry(delivery: WebhookDelivery) -> WebhookDelivery:
    """What the deferred retry task does when its time comes."""
    services.webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_a_matching_event_is_posted_signed_with_its_idempotency_key(receiver, run_after_commit):
    # given a subscription to order.* and test.* (and a second one to something else)
    sub = subscribe(receiver.url, types=["order.*", "test.*"])
    subscribe(receiver.url + "/other", types=["stock.low"], name="Other")

    # when a test.ping event commits (and an unrelated one)
    event = emit("test.ping", answer=42)
    emit("probe.recorded", nothing=1)
    run_after_commit()

    # then exactly one POST arrived, signed with the subscription's secret
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = request["headers"]
    assert verify_soloops_signature(sub.secret, request["body"], headers["x-soloops-signature"])
    assert not verify_soloops_signature(
        "whsec_wrong", request["body"], headers["x-soloops-signature"]
    )
    body = json.loads(request["body"])
    assert body["id"] == headers["idempotency-key"] == f"evt_{event.pk}-wh_{sub.pk}"
    assert body["type"] == headers["x-soloops-event"] == "test.ping"
    assert body["event_id"] == event.pk and headers["x-soloops-event-id"] == str(event.pk)
    assert body["data"] == {"answer": 42}
    assert body["subject"] == {"type": "probe.thing", "id": "1"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.ok and attempt.status_code == 200 and '"ok": true' in attempt.response_excerpt


def test_a_signature_with_another_body_or_an_old_timestamp_does_not_verify(
    receiver, run_after_commit
):
    # given a delivered event
    sub = subscribe(receiver.url)
    emit()
    run_after_commit()
    request = receiver.requests[0]
    header = request["headers"]["x-soloops-signature"]

    # then a changed body, or the same header replayed ten minutes later, fails the check
    assert not verify_soloops_signature(sub.secret, request["body"] + b" ", header)
    t = int(header.split(",")[0][2:])
    stale = header.replace(f"t={t}", f"t={t - 600}")
    assert not verify_soloops_signature(sub.secret, request["body"], stale)


def test_a_5xx_is_retried_with_backoff_and_the_same_key_until_it_succeeds(
    receiver, run_after_commit
):
    # given a receiver that fails twice, then succeeds
    receiver.answers = [(500, "boom"), (503, "busy"), (200, "ok")]
    subscribe(receiver.url)

    # when an event commits
    before = timezone.now()
    emit()
    run_after_commit()

    # then the first attempt failed and the next is due in about a minute (jittered)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_status_code == 500
    wait = delivery.next_attempt_at - before
    assert timedelta(seconds=50) <= wait <= timedelta(seconds=70)

    # when the retries come due, then the third attempt delivers it, with one key throughout
    assert _retry(delivery).status == DeliveryStatus.FAILED
    assert _retry(delivery).status == DeliveryStatus.DELIVERED
    keys = {r["headers"]["idempotency-key"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(keys) == 1
    assert [r["headers"]["x-soloops-attempt"] for r in receiver.requests] == ["1", "2", "3"]
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.ok) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert WebhookSubscription.objects.get().consecutive_failures == 0


def test_a_receiver_that_does_not_answer_in_time_is_retried(receiver, run_after_commit, settings):
    # given a receiver that holds the request past our timeout
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.hang = True
    subscribe(receiver.url)

    # when an event commits
    emit()
    run_after_commit()

    # then the attempt is recorded as failed without an answer, and a retry is due
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None and "0.3 s" in attempt.error
    assert delivery.next_attempt_at > timezone.now()

    # when the receiver answers again, then the retry delivers it
    receiver.hang = False
    receiver.release.set()
    assert _retry(delivery).status == DeliveryStatus.DELIVERED


def test_backoff_grows_with_jitter_and_spans_hours():
    # then the waits grow, are jittered by at most 10 %, and sum to more than a day
    waits = [retry_delay(n, jitter=0) for n in range(1, MAX_ATTEMPTS)]
    assert waits == sorted(waits)
    assert sum(waits, timedelta()) > timedelta(hours=24)
    assert retry_delay(3, jitter=1) == retry_delay(3, jitter=0) * 1.1
    assert MAX_ATTEMPTS >= 5


def test_a_delivery_gives_up_after_the_last_attempt(receiver, run_after_commit, settings):
    # given a receiver that always fails (and a pause limit out of the way)
    settings.WEBHOOK_PAUSE_AFTER = 100
    receiver.answers = [(500, "down")]
    subscribe(receiver.url)
    emit()
    run_after_commit()
    delivery = WebhookDelivery.objects.get()

    # when every retry comes due
    for _ in range(MAX_ATTEMPTS - 1):
        delivery = _retry(delivery)

    # then it gave up after MAX_ATTEMPTS, and a late task sends nothing more
    assert delivery.status == DeliveryStatus.GAVE_UP and delivery.attempts == MAX_ATTEMPTS
    assert _retry(delivery).attempts == MAX_ATTEMPTS
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_failures_in_a_row_pause_the_subscription_and_resume_sends_what_waited(
    receiver, run_after_commit, settings
):
    # given a pause limit of 3 failed attempts and a receiver that is down
    settings.WEBHOOK_PAUSE_AFTER = 3
    receiver.answers = [(500, "down")]
    sub = subscribe(receiver.url)

    # when three events fail once each
    for i in range(3):
        emit(n=i)
    run_after_commit()

    # then the subscription is paused, with a webhook.paused event saying why
    sub.refresh_from_db()
    assert sub.status == "paused" and sub.consecutive_failures == 3
    assert "3 failed attempts in a row" in sub.paused_reason
    types = [e.type for e in timeline_for(subject_type=sub._meta.label_lower, subject_id=sub.pk)]
    assert types == ["webhook.subscribed", "webhook.paused"]

    # when another event commits while paused, then it is kept and not sent
    emit(n=3)
    run_after_commit()
    assert len(receiver.requests) == 3
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 1
    # and retries that come due send nothing either
    for delivery in WebhookDelivery.objects.all():
        services.webhook_delivery_send(delivery_id=delivery.pk)
    assert len(receiver.requests) == 3

    # when the receiver is back and the owner resumes
    receiver.answers = [(200, "ok")]
    receiver.requests.clear()
    services.webhook_subscription_resume(subscription=sub, actor=SYSTEM)
    run_after_commit()

    # then all four are delivered, oldest first
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 4
    assert [b["data"]["n"] for b in receiver.bodies()] == [0, 1, 2, 3]
    sub.refresh_from_db()
    assert sub.status == "active" and sub.consecutive_failures == 0


def test_replay_sends_a_delivery_again_with_the_same_key(receiver, run_after_commit, settings):
    # given a delivery that gave up
    settings.WEBHOOK_PAUSE_AFTER = 100
    receiver.answers = [(500, "down")]
    subscribe(receiver.url)
    emit()
    run_after_commit()
    delivery = WebhookDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        delivery = _retry(delivery)
    assert delivery.status == DeliveryStatus.GAVE_UP

    # when the owner replays it once the receiver works
    receiver.answers = [(200, "ok")]
    services.webhook_delivery_replay(delivery=delivery, actor=SYSTEM)
    run_after_commit()

    # then it is delivered, with the same key as every earlier attempt
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len({r["headers"]["idempotency-key"] for r in receiver.requests}) == 1
    assert receiver.processed == {delivery.key: 1}


def test_a_test_send_reaches_even_a_paused_url_once_and_never_counts(receiver, run_after_commit):
    # given a paused subscription
    sub = subscribe(receiver.url)
    services.webhook_subscription_pause(subscription=sub, actor=SYSTEM, reason="looking")
    receiver.answers = [(500, "no")]

    # when the owner sends a test
    services.webhook_test_send(subscription=sub, actor=SYSTEM)
    run_after_commit()

    # then one POST of type webhook.test arrived, it gave up at once and counts for nothing
    assert [b["type"] for b in receiver.bodies()] == ["webhook.test"]
    test = WebhookDelivery.objects.get()
    assert test.status == DeliveryStatus.GAVE_UP and test.event_id is None
    sub.refresh_from_db()
    assert sub.consecutive_failures == 0


def test_webhook_events_are_never_delivered(receiver, run_after_commit):
    # given a subscription to everything
    subscribe(receiver.url, types=["*"])

    # when a second subscription is created (webhook.subscribed) and a test event commits
    subscribe(receiver.url, types=["test.*"], name="Second")
    emit()
    run_after_commit()

    # then only test.ping went out (to both), never webhook.*
    assert sorted(b["type"] for b in receiver.bodies()) == ["test.ping", "test.ping"]


def test_a_dispatched_twice_event_is_delivered_once(receiver, run_after_commit):
    # given a delivered event
    subscribe(receiver.url)
    event = emit()
    run_after_commit()

    # when its handler runs again (a relay after a crash)
    from soloops.integrations.services.webhook_deliveries import webhook_deliveries_on_event

    webhook_deliveries_on_event(event)
    run_after_commit()

    # then there is still one delivery and one POST
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "ftp://x.example/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["nothing.here"]}, "event_types"),
        ({"event_types": ["Order Placed"]}, "event_types"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(fields, field):
    data = {"name": "x", "url": "https://x.example/hook", "event_types": ["order.*"], **fields}
    with pytest.raises(InvalidInput) as error:
        services.webhook_subscription_create(actor=SYSTEM, **data)
    assert error.value.field == field
    assert not WebhookSubscription.objects.exists()


def test_resuming_an_active_subscription_is_a_conflict():
    sub = subscribe("https://x.example/hook")
    with pytest.raises(Conflict):
        services.webhook_subscription_resume(subscription=sub, actor=SYSTEM)
