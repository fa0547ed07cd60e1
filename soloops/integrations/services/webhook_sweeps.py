"""Deliveries sent again: the owner's replay, and the scheduler's safety net for deliveries
whose task or worker was lost (a claim that expired is settled as a failed attempt first)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import Conflict
from soloops.integrations.errors import WebhookErrorCode as Code
from soloops.integrations.models.webhooks import (
    UNFINISHED,
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
)
from soloops.locking import lock_own_rows

from .webhook_deliveries import ABANDONED, RELAY_BATCH, RELAY_CAP, enqueue_send

logger = logging.getLogger(__name__)


def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again now, with the same body and idempotency key (a receiver that
    already processed it may ignore it: replay is for deliveries it never got)."""
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if row.status == DeliveryStatus.SENDING and row.next_attempt_at > timezone.now():
            raise Conflict(Code.DELIVERY_BUSY, "this delivery is being sent right now")
        row.status = DeliveryStatus.PENDING
        row.next_attempt_at = timezone.now()
        row.relays = 0
        # A replay earns a fresh set of attempts.
        row.attempts = 0
        row.save(update_fields=["status", "next_attempt_at", "relays", "attempts", "updated_at"])
        transaction.on_commit(lambda: enqueue_send(row.pk))
    return row


def webhook_deliveries_retry_due(*, now: datetime | None = None) -> int:
    """Hand out again every unfinished delivery of an active subscription well past its due
    time (its task or its worker was lost); return how many. A claim that expired is settled
    as a failed attempt first. Cheap when nothing is due: one indexed read."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RELAY_DELAY_SECONDS)
    overdue = WebhookDelivery.objects.filter(
        status__in=UNFINISHED,
        next_attempt_at__lte=cutoff,
        subscription__status=SubscriptionStatus.ACTIVE,
    )
    if not overdue.exists():
        return 0
    with transaction.atomic():
        rows = list(
            lock_own_rows(overdue, skip_locked=True)  # MariaDB has no FOR UPDATE OF
            .order_by("next_attempt_at")
            .only("pk", "status", "relays", "attempts")[:RELAY_BATCH]
        )
        for row in rows:
            fields = ["next_attempt_at", "relays", "updated_at"]
            if row.status == DeliveryStatus.SENDING:
                WebhookAttempt.objects.create(delivery=row, number=row.attempts, error=ABANDONED)
                row.status, row.last_error = DeliveryStatus.FAILED, ABANDONED
                fields += ["status", "last_error"]
            row.next_attempt_at = now + min(
                timedelta(seconds=settings.RELAY_DELAY_SECONDS) * (2 ** min(row.relays, 12)),
                RELAY_CAP,
            )
            row.relays += 1
            row.save(update_fields=fields)
            transaction.on_commit(lambda pk=row.pk: enqueue_send(pk))
    if rows:
        logger.info("re-enqueued %d overdue webhook deliveries", len(rows))
    return len(rows)
