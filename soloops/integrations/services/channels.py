"""Every write on sales channels: configure one, receive its webhook (store raw, answer fast),
process a delivery into our intake on the worker, replay, and the catch-up poll.

Promises:
- a webhook whose signature does not match is refused (401) and logged without its body;
- a delivery id seen before answers 200 and changes nothing but the log's duplicate count;
- one channel order becomes at most one of our orders, however often it arrives (webhook
  retries, a poll that finds it again): intake's idempotency key is the channel's order id;
- an order that cannot come in as it is (an unknown SKU, no email, not enough stock) is held
  in the channel's log with the reason, never dropped: fix the SKU mapping and replay it.
"""

import hashlib
import json
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError, InvalidInput, NotFound
from soloops.events.services import event_emit
from soloops.integrations.channels import ChannelOrder, NotAnOrder, adapter
from soloops.integrations.channels._http import api_url_problem
from soloops.integrations.errors import ChannelErrorCode as Code
from soloops.integrations.models.channels import (
    ChannelDelivery,
    ChannelKind,
    InboundStatus,
    SalesChannel,
)
from soloops.orders.selectors import order_get_for, order_next_statuses
from soloops.orders.services import LineDraft, OrderDraft, order_cancel, order_place

from .channel_updates import UPDATE_TOPICS, channel_order_update, placed_number

logger = logging.getLogger(__name__)
MAX_BODY = 2_500_000
CANCEL_TOPICS = ("orders/cancelled", "order.deleted", "order.cancelled")


def _actor(channel: SalesChannel) -> Actor:
    return Actor.system(f"channel {channel.name}")


def _payload(channel: SalesChannel, **extra) -> dict:
    return {"name": channel.name, "kind": channel.kind, **extra}


def _clean_sku_map(sku_map) -> dict:
    if not isinstance(sku_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in sku_map.items()
    ):
        raise InvalidInput(
            Code.BAD_SKU_MAP, "the SKU map is {channel SKU: our SKU} text pairs", field="sku_map"
        )
    return {k.strip(): v.strip() for k, v in sku_map.items()}


def _check_api_url(url: str) -> None:
    problem = api_url_problem(url.strip()) if url.strip() else None
    if problem:
        raise InvalidInput(
            Code.BAD_API_URL, f"the store's API address must be {problem}", field="api_url"
        )


def channel_create(
    *,
    name: str,
    kind: str,
    actor: Actor,
    secret: str = "",
    api_url: str = "",
    api_token: str = "",
    sku_map: dict | None = None,
) -> SalesChannel:
    """Add a channel; without a ``secret`` one is generated (show it once: WooCommerce takes
    it in its webhook form; Shopify gives you its own, so paste that)."""
    if kind not in ChannelKind.values:
        raise InvalidInput(Code.BAD_KIND, f"kind is one of {ChannelKind.values}", field="kind")
    if not name.strip():
        raise InvalidInput(Code.BAD_NAME, "name the channel", field="name")
    _check_api_url(api_url)
    channel = SalesChannel(
        name=name.strip()[:100],
        kind=kind,
        secret=secret.strip() or secrets.token_urlsafe(32),
        api_url=api_url.strip(),
        api_token=api_token.strip(),
        sku_map=_clean_sku_map(sku_map or {}),
    )
    channel.next_poll_at = _next_poll(channel, timezone.now())
    with transaction.atomic():
        channel.save()
        event_emit(type="channel.created", subject=channel, payload=_payload(channel), actor=actor)
    return channel


def channel_update(*, channel: SalesChannel, actor: Actor, **changes) -> SalesChannel:
    """Change name, secret, poll settings or the SKU map (the secret is never echoed)."""
    if "sku_map" in changes:
        changes["sku_map"] = _clean_sku_map(changes["sku_map"])
    if changes.get("api_url"):
        changes["api_url"] = changes["api_url"].strip()
        _check_api_url(changes["api_url"])
    changes = {k: v for k, v in changes.items() if v is not None and getattr(channel, k) != v}
    if not changes:
        return channel
    with transaction.atomic():
        for field, value in changes.items():
            setattr(channel, field, value)
        channel.next_poll_at = _next_poll(channel, timezone.now())
        channel.save(update_fields=[*changes, "next_poll_at", "updated_at"])
        event_emit(
            type="channel.updated",
            subject=channel,
            payload=_payload(channel, changed=sorted(changes)),
            actor=actor,
        )
    return channel


def channel_get(*, channel_id: int) -> SalesChannel:
    channel = SalesChannel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(Code.NOT_FOUND, "no such channel")
    return channel


# --- receiving ------------------------------------------------------------------------------


def channel_webhook_receive(*, channel: SalesChannel, body: bytes, headers) -> tuple[int, dict]:
    """The webhook endpoint's work: verify, dedupe, store raw, answer. Returns (status, body).

    Processing waits for the worker (enqueued on commit), so the channel gets its 200 at once
    and never retries because our intake was slow.
    """
    platform = adapter(channel.kind)
    if not platform.verify(channel.secret, body, headers):
        ChannelDelivery.objects.create(
            channel=channel,
            topic=platform.topic(headers),
            status=InboundStatus.REJECTED,
            reason="the signature does not match this body and the channel's secret",
        )
        return 401, {"code": Code.BAD_SIGNATURE, "message": "invalid signature"}
    try:
        text = body.decode("utf-8")
        if not isinstance(json.loads(text), dict):
            raise ValueError("not an object")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 400, {"code": Code.BAD_PAYLOAD, "message": "the body is not a JSON object"}
    # A channel that sends no delivery id is deduped on the body itself.
    key = platform.delivery_id(headers) or "sha256:" + hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        row, created = ChannelDelivery.objects.get_or_create(
            channel=channel,
            delivery_id=key,
            defaults={"topic": platform.topic(headers), "payload": text},
        )
        if not created:
            ChannelDelivery.objects.filter(pk=row.pk).update(duplicates=row.duplicates + 1)
            return 200, {"received": True, "duplicate": True}
        transaction.on_commit(lambda: _enqueue(row.pk))
    return 200, {"received": True, "duplicate": False}


def _enqueue(delivery_id: int) -> None:
    from soloops.integrations.tasks import process_channel_delivery

    try:
        process_channel_delivery.enqueue(delivery_id=delivery_id)
    except Exception:
        logger.exception("could not enqueue channel delivery %s; replay it", delivery_id)


# --- processing -----------------------------------------------------------------------------


def channel_delivery_process(*, delivery_id: int) -> ChannelDelivery | None:
    """Turn one stored delivery into our order (the task's body); a settled one is left alone."""
    with transaction.atomic():
        row = (
            ChannelDelivery.objects.select_for_update()
            .select_related("channel")
            .filter(pk=delivery_id, status=InboundStatus.RECEIVED)
            .first()
        )
        if row is None:
            return None
        try:
            with transaction.atomic():
                status, reason = _process(row)
        except Exception as e:
            logger.exception("channel delivery %s failed", row.pk)
            status, reason = InboundStatus.FAILED, f"{type(e).__name__}: {e}"
        row.status, row.reason, row.processed_at = status, reason[:500], timezone.now()
        row.save(
            update_fields=[
                "status",
                "reason",
                "processed_at",
                "external_order_id",
                "order_number",
                "updated_at",
            ]
        )
        if status == InboundStatus.HELD:
            event_emit(
                type="channel.order_held",
                subject=row.channel,
                payload=_payload(row.channel, external_order_id=row.external_order_id,
                                 reason=row.reason, delivery_id=row.pk),
                actor=_actor(row.channel),
            )  # fmt: skip
    return row


def _process(row: ChannelDelivery) -> tuple[str, str]:
    channel = row.channel
    try:
        incoming = adapter(channel.kind).to_order(json.loads(row.payload))
    except NotAnOrder as e:
        return InboundStatus.IGNORED, str(e)
    row.external_order_id = incoming.external_id
    if row.topic in CANCEL_TOPICS or incoming.cancelled:
        return _cancel(row, incoming)
    if row.topic in UPDATE_TOPICS:
        placed = placed_number(row, incoming.external_id)
        if placed:
            return channel_order_update(row, incoming, placed, _actor(channel))
    return _place(row, incoming)


def _place(row: ChannelDelivery, incoming: ChannelOrder) -> tuple[str, str]:
    channel = row.channel
    lines = []
    for i, line in enumerate(incoming.lines, start=1):
        if not line.sku:
            return InboundStatus.HELD, f"line {i} has no SKU: add it on the channel and replay"
        lines.append(LineDraft(sku=channel.sku_map.get(line.sku, line.sku), quantity=line.quantity))
    if not incoming.email:
        return InboundStatus.HELD, "the order has no customer email"
    draft = OrderDraft(
        email=incoming.email,
        name=incoming.name,
        lines=lines,
        shipping_address=incoming.shipping_address,
        billing_address=incoming.billing_address,
        note=incoming.note,
    )
    try:
        order, created = order_place(
            draft=draft,
            channel=channel.kind,
            actor=_actor(channel),
            idempotency_key=f"channel-{channel.pk}-{incoming.external_id}",
        )
    except ApplicationError as e:
        if e.code == "idempotency_key_reused":
            return (
                InboundStatus.IGNORED,
                "this channel order is already in; changes are not applied",
            )
        # An unknown SKU, a quantity or address intake refuses, stock gone: the owner decides.
        where = f" ({e.field})" if e.field else ""
        reason = f"unknown SKU: {e.message}" if e.code == "unknown_sku" else e.message
        return InboundStatus.HELD, f"{reason}{where}"
    row.order_number = order.number
    return InboundStatus.PROCESSED, "" if created else f"already in as {order.number}"


def _cancel(row: ChannelDelivery, incoming: ChannelOrder) -> tuple[str, str]:
    placed = placed_number(row, incoming.external_id)
    if not placed:
        return InboundStatus.IGNORED, "cancelled on the channel before it came in here"
    actor = _actor(row.channel)
    order = order_get_for(actor=actor, number=placed)
    row.order_number = placed
    if order.status == "cancelled":
        return InboundStatus.PROCESSED, f"{placed} was already cancelled"
    if "cancelled" not in order_next_statuses(order=order):
        # Said on the order's own timeline too, where the owner looks first.
        event_emit(
            type="channel.order_change_refused",
            subject=order,
            payload=_payload(
                row.channel, order_number=placed, status=order.status, change="cancel"
            ),
            actor=actor,
        )
        return InboundStatus.HELD, f"{placed} is {order.status} and cannot be cancelled here"
    order_cancel(order=order, actor=actor, reason=f"cancelled on {row.channel.name}")
    return InboundStatus.PROCESSED, f"{placed} cancelled"


def channel_delivery_replay(*, delivery: ChannelDelivery, actor: Actor) -> ChannelDelivery:
    """Process a held or failed delivery again (after fixing the SKU map, say)."""
    if delivery.status not in (InboundStatus.HELD, InboundStatus.FAILED, InboundStatus.IGNORED):
        raise InvalidInput(
            Code.NOT_REPLAYABLE, f"a {delivery.status} delivery is not replayed", field="status"
        )
    with transaction.atomic():
        ChannelDelivery.objects.filter(pk=delivery.pk).update(
            status=InboundStatus.RECEIVED, reason="", updated_at=timezone.now()
        )
        transaction.on_commit(lambda: _enqueue(delivery.pk))
    delivery.refresh_from_db()
    return delivery


# The catch-up poll lives in its own module; this one stays the channels' door.
from .channel_polls import _next_poll, channel_poll, channels_poll_due  # noqa: E402, F401
