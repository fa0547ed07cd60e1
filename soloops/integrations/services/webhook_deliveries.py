"""Delivering events to subscribed URLs: the event handler that records deliveries, the send
(the ``send_webhook`` task's body), retries with backoff and jitter, pausing after failures in
a row, the scheduler's safety net, the owner's replay and test send.

Promises:
- deliveries never block the business transaction: the handler only records rows (in the
  dispatch transaction, once per event and subscription) and enqueues sends after commit;
- a delivery is claimed before its POST and settled after, so two workers never send the same
  attempt; a worker killed mid-send leaves a claim that expires
  (``WEBHOOK_SEND_LEASE_SECONDS``) and the delivery is sent again with the same idempotency
  key — at least once, never silently dropped; the receiver dedupes on the key;
- every attempt is recorded (status code, latency, response excerpt or error).
"""

import json
import logging
import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.integrations.models.webhooks import (
    UNFINISHED,
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from soloops.integrations.webhooks import patterns, transport

logger = logging.getLogger(__name__)

SYSTEM = Actor.system("webhooks")
MAX_ATTEMPTS = 8
# Waits after failed attempt 1, 2, ...: about 28 hours in all, like the big commerce platforms,
# so a receiver that is down for a day loses nothing. Each wait is jittered by ±10 %, so
# deliveries that failed together do not all come back in the same second.
RETRY_WAITS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
RELAY_CAP = timedelta(hours=1)
RELAY_BATCH = 200
ABANDONED = "the worker stopped while sending; sent again with the same idempotency key"


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (``jitter`` in [-1, 1]; random if None)."""
    base = RETRY_WAITS[min(max(attempts, 1), len(RETRY_WAITS)) - 1]
    jitter = random.uniform(-1, 1) if jitter is None else jitter
    return base * (1 + 0.1 * jitter)


def _lease() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_SEND_LEASE_SECONDS)


def enqueue_send(delivery_id: int, run_after: datetime | None = None) -> None:
    from soloops.integrations.tasks import send_webhook

    try:
        task = send_webhook.using(run_after=run_after) if run_after else send_webhook
        task.enqueue(delivery_id=delivery_id)
    except Exception:
        # The delivery is committed; the scheduler's retry sweep hands it out again.
        logger.exception("could not enqueue webhook delivery %s; the sweep will", delivery_id)


# --- recording deliveries ---------------------------------------------------------------------


def event_body(event, key: str) -> str:
    """The JSON every receiver gets (documented in the README)."""
    return json.dumps(
        {
            "id": key,
            "event_id": event.pk,
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "subject": {"type": event.subject_type, "id": event.subject_id},
            "actor": {"kind": event.actor_kind, "label": event.actor_label},
            "correlation_id": str(event.correlation_id) if event.correlation_id else None,
            "data": event.payload,
        },
        default=str,
        ensure_ascii=False,
    )


def webhook_deliveries_on_event(event) -> None:
    """The ``*`` handler: one delivery per subscription whose types match, sent after commit.

    Runs in the dispatch transaction, which records it once per event; the unique
    (subscription, event) pair makes a second run a no-op anyway. A paused subscription's
    delivery is recorded and waits for the owner to resume it.
    """
    if event.type.startswith(patterns.NEVER):
        return
    subs = [
        s
        for s in WebhookSubscription.objects.only("pk", "status", "event_types")
        if patterns.any_matches(s.event_types, event.type)
    ]
    if not subs:
        return
    done = set(
        WebhookDelivery.objects.filter(event_id=event.pk, subscription__in=subs).values_list(
            "subscription_id", flat=True
        )
    )
    now = timezone.now()
    rows = []
    for sub in subs:
        if sub.pk in done:
            continue
        key = f"evt_{event.pk}-wh_{sub.pk}"
        rows.append(
            WebhookDelivery(
                subscription=sub,
                event_id=event.pk,
                event_type=event.type,
                key=key,
                body=event_body(event, key),
                next_attempt_at=now,
            )
        )
    created = WebhookDelivery.objects.bulk_create(rows)
    active = {s.pk for s in subs if s.status == SubscriptionStatus.ACTIVE}
    to_send = [d.pk for d in created if d.subscription_id in active]
    if to_send:
        transaction.on_commit(lambda: [enqueue_send(pk) for pk in to_send])


def webhook_test_send(*, subscription: WebhookSubscription, actor: Actor) -> WebhookDelivery:
    """A ``webhook.test`` body sent once, even to a paused URL (to check it before resuming);
    its outcome shows in the delivery log and never counts towards pausing."""
    key = f"test_{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "id": key,
            "event_id": None,
            "type": "webhook.test",
            "created_at": timezone.now().isoformat(),
            "subject": {"type": "integrations.webhooksubscription", "id": str(subscription.pk)},
            "actor": {"kind": actor.kind, "label": actor.label},
            "correlation_id": None,
            "data": {"message": "a test from SoloOps"},
        },
        ensure_ascii=False,
    )
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event_type="webhook.test",
            key=key,
            body=body,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: enqueue_send(delivery.pk))
    return delivery


# --- sending ----------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery for this worker, or None: done, held by another worker, or paused."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in UNFINISHED:
            return None
        if delivery.status == DeliveryStatus.SENDING and delivery.next_attempt_at > now:
            return None  # another worker is sending it right now
        is_test = delivery.event_id is None
        if delivery.subscription.status == SubscriptionStatus.PAUSED and not is_test:
            return None  # it waits for resume, which hands it out again
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = now + _lease()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    return delivery


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """POST one delivery (the ``send_webhook`` task's body); safe to run any number of times.

    The POST happens outside any transaction: on SQLite an open transaction holds the write
    lock, which must not wait on someone else's server.
    """
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    sub = delivery.subscription
    outcome = transport.post(
        url=sub.url,
        body=delivery.body.encode(),
        secret=sub.secret,
        headers={
            "Idempotency-Key": delivery.key,
            "X-SoloOps-Delivery": delivery.key,
            "X-SoloOps-Event": delivery.event_type,
            "X-SoloOps-Event-Id": str(delivery.event_id or ""),
            "X-SoloOps-Attempt": str(delivery.attempts),
        },
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )
    return _settle(delivery, outcome)


def _settle(delivery: WebhookDelivery, outcome: transport.Outcome) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=row,
            number=delivery.attempts,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
            ok=outcome.ok,
        )
        if row.status == DeliveryStatus.DELIVERED:
            return row  # a worker that took over an expired claim got it through first
        row.last_status_code = outcome.status_code
        row.last_error = "" if outcome.ok else (outcome.error or f"answered {outcome.status_code}")
        is_test = row.event_id is None
        if outcome.ok:
            row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        elif is_test or row.attempts >= MAX_ATTEMPTS:
            row.status, row.next_attempt_at = DeliveryStatus.GAVE_UP, None
        else:
            row.status = DeliveryStatus.FAILED
            row.next_attempt_at = now + retry_delay(row.attempts)
        row.save(
            update_fields=[
                "status",
                "delivered_at",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "updated_at",
            ]
        )
        paused = False
        if not is_test:
            paused = _count_outcome(row.subscription_id, outcome.ok, now)
        if row.status == DeliveryStatus.FAILED and not paused:
            due = row.next_attempt_at
            transaction.on_commit(lambda: enqueue_send(row.pk, run_after=due))
    return row


def _count_outcome(subscription_id: int, ok: bool, now: datetime) -> bool:
    """Keep the subscription's failures-in-a-row; pause it at the limit. Whether it is paused."""
    from .webhooks import webhook_subscription_pause

    subs = WebhookSubscription.objects.filter(pk=subscription_id)
    if ok:
        subs.update(consecutive_failures=0, last_success_at=now, updated_at=now)
        return False
    subs.update(consecutive_failures=F("consecutive_failures") + 1, updated_at=now)
    sub = subs.get()
    limit = settings.WEBHOOK_PAUSE_AFTER
    if sub.status == SubscriptionStatus.ACTIVE and sub.consecutive_failures >= limit:
        webhook_subscription_pause(
            subscription=sub,
            actor=SYSTEM,
            reason=f"{sub.consecutive_failures} failed attempts in a row",
        )
        return True
    return sub.status == SubscriptionStatus.PAUSED
