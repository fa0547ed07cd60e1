"""Outbound webhooks across real processes: a ``soloops worker`` killed in the middle of a POST,
a ``soloops scheduler`` that hands the delivery out again once the claim expires, and a real
HTTP receiver that dedupes on the idempotency key (delivery is at least once)."""

import json
import signal
import urllib.request

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.integrations.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.conftest import wait_until
from tests.factories import ADDRESS, make_variant
from tests.integrations.conftest import emit, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

FAST = {"SOLOOPS_WEBHOOK_SEND_LEASE": "2", "SOLOOPS_WEBHOOK_TIMEOUT": "30"}


def test_a_worker_killed_mid_send_is_followed_by_one_more_send_with_the_same_key(
    processes, receiver
):
    # given a subscription, a receiver that holds the first request, and a real worker
    subscribe(receiver.url)
    receiver.hang = True
    worker = processes.start("worker", env=FAST)

    # when an event commits and the worker is killed while the receiver holds its POST
    emit(order="SO-1")
    wait_until(receiver.arrived.is_set, timeout=60, what=lambda: processes.log(worker))
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    # the receiver had acted on it (the sender died before it heard so)
    receiver.hang = False
    receiver.release.set()
    wait_until(lambda: receiver.effects, what="the receiver to act on the first request")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING

    # when a new worker and the scheduler run
    worker2 = processes.start("worker", env=FAST)
    processes.start("scheduler", env=FAST)

    # then once the dead worker's claim expires the delivery is sent again and settles
    wait_until(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED,
        timeout=60,
        what=lambda: processes.log(worker2),
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    # the same key both times: the deduping receiver acted once
    keys = [r["headers"]["idempotency-key"] for r in receiver.requests]
    assert keys == [delivery.key, delivery.key]
    assert receiver.effects == [delivery.key]
    # the log shows the abandoned attempt and the one that got through
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.ok) for a in attempts] == [(1, False), (2, True)]
    assert "worker stopped" in attempts[0].error


def test_an_event_committed_by_the_web_process_is_delivered_by_the_worker(
    processes, receiver, web_server
):
    # given a subscription to order events and a real worker
    subscribe(receiver.url, types=["order.*"])
    owner = user_create(
        username="o", email="o@example.com", password="x" * 20, role="owner", actor=Actor.system()
    )
    token = token_create(user=owner, name="t", scope="write", actor=Actor.system())
    processes.start("worker")

    # when an order is placed over real HTTP
    make_variant("MUG-1", price="12.50", stock=10)
    body = {
        "email": "ann@example.com",
        "name": "Ann",
        "lines": [{"sku": "MUG-1", "quantity": 1}],
        "shipping_address": dict(ADDRESS),
    }
    request = urllib.request.Request(  # noqa: S310 (our own test server)
        f"{web_server}/api/orders",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token.secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        number = json.loads(response.read())["number"]

    # then the receiver gets order.placed (and what intake did next) for that order
    wait_until(
        lambda: "order.placed" in [b["type"] for b in receiver.bodies()],
        timeout=60,
        what="order.placed to reach the receiver",
    )
    placed = next(b for b in receiver.bodies() if b["type"] == "order.placed")
    assert placed["data"]["number"] == number
