"""The catch-up poll of sales channels: ask the store's REST API for orders no webhook brought
(missed while we were down) — by hand (``channel_poll``) or every
``CHANNEL_POLL_MINUTES`` through the scheduler (``channels_poll_due``, which hands each poll to a
worker: the HTTP call never runs in the scheduler)."""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import InvalidInput
from soloops.integrations.channels import adapter
from soloops.integrations.channels._http import StoreUnreachable
from soloops.integrations.errors import ChannelErrorCode as Code
from soloops.integrations.models.channels import (
    ChannelDelivery,
    ChannelKind,
    InboundStatus,
    SalesChannel,
)

logger = logging.getLogger(__name__)


def _enqueue(delivery_id: int) -> None:
    from .channels import _enqueue as enqueue_processing

    enqueue_processing(delivery_id)


def _next_poll(channel: SalesChannel, now: datetime) -> datetime | None:
    if channel.kind == ChannelKind.GENERIC or not (channel.api_url and channel.api_token):
        return None
    return now + timedelta(minutes=settings.CHANNEL_POLL_MINUTES)


def channels_poll_due(*, now: datetime | None = None) -> int:
    """The scheduler's tick: hand each channel whose poll is due to a worker (the HTTP call
    never runs in the scheduler). Returns how many. One indexed read when none is due."""
    now = now or timezone.now()
    due = SalesChannel.objects.filter(next_poll_at__lte=now)
    if not due.exists():
        return 0
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True).only("pk", "kind", "api_url", "api_token")
        )
        for channel in rows:
            SalesChannel.objects.filter(pk=channel.pk).update(next_poll_at=_next_poll(channel, now))
            transaction.on_commit(lambda pk=channel.pk: _enqueue_poll(pk))
    return len(rows)


def _enqueue_poll(channel_id: int) -> None:
    from soloops.integrations.tasks import poll_channel

    try:
        poll_channel.enqueue(channel_id=channel_id)
    except Exception:
        logger.exception("could not enqueue the poll of channel %s; the next tick will", channel_id)


def channel_poll(*, channel: SalesChannel, actor: Actor) -> dict:
    """Ask the channel's REST API for orders since the last poll and take in the ones no
    webhook brought (missed while we were down). Returns counts: seen, new."""
    if channel.kind == ChannelKind.GENERIC:
        raise InvalidInput(Code.NO_API, "a generic channel has no API to poll", field="kind")
    if not channel.api_url or not channel.api_token:
        raise InvalidInput(Code.NO_API, "set the channel's API address and token", field="api_url")
    started = timezone.now()
    try:
        orders = adapter(channel.kind).fetch_orders(
            channel.api_url, channel.api_token, channel.last_polled_at
        )
    except StoreUnreachable as e:
        raise InvalidInput(
            Code.API_UNREACHABLE, f"the store's API could not be read: {e}", field="api_url"
        ) from e
    known = set(
        ChannelDelivery.objects.filter(
            channel=channel, external_order_id__in=[str(o.get("id")) for o in orders]
        ).values_list("external_order_id", flat=True)
    )
    new = 0
    with transaction.atomic():
        for raw in orders:
            external_id = str(raw.get("id"))
            if external_id in known:
                continue
            _, created = ChannelDelivery.objects.get_or_create(
                channel=channel,
                delivery_id=f"poll-{external_id}",
                defaults={
                    "source": "poll",
                    "topic": "poll",
                    "payload": json.dumps(raw),
                    "external_order_id": external_id,
                },
            )
            new += created
        SalesChannel.objects.filter(pk=channel.pk).update(last_polled_at=started)
        channel.last_polled_at = started
        ids = list(
            ChannelDelivery.objects.filter(
                channel=channel, source="poll", status=InboundStatus.RECEIVED
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [_enqueue(pk) for pk in ids])
    return {"seen": len(orders), "new": new}
