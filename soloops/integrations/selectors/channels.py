"""Reads of sales channels: the list, one channel, its inbound log, what is held."""

from django.db.models import Count, Q, QuerySet

from soloops.errors import NotFound
from soloops.integrations.errors import ChannelErrorCode as Code
from soloops.integrations.models.channels import (
    ChannelDelivery,
    ChannelKind,
    InboundStatus,
    SalesChannel,
)

KINDS = ChannelKind.choices
INBOUND_STATUSES = InboundStatus.choices


def channels_list() -> QuerySet[SalesChannel]:
    """Every channel with how many of its deliveries are held (one query)."""
    return SalesChannel.objects.annotate(
        held_count=Count("inbound", filter=Q(inbound__status=InboundStatus.HELD))
    ).order_by("name", "pk")


def channel_get(*, channel_id: int) -> SalesChannel:
    channel = channels_list().filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(Code.NOT_FOUND, "no such channel")
    return channel


def channel_deliveries(
    *, channel: SalesChannel, status: str | None = None
) -> QuerySet[ChannelDelivery]:
    rows = ChannelDelivery.objects.filter(channel=channel).defer("payload").order_by("-pk")
    return rows.filter(status=status) if status else rows


def channel_delivery_get(*, delivery_id: int) -> ChannelDelivery:
    row = ChannelDelivery.objects.select_related("channel").filter(pk=delivery_id).first()
    if row is None:
        raise NotFound(Code.DELIVERY_NOT_FOUND, "no such channel delivery")
    return row


def channel_orders_held_count() -> int:
    """Channel orders that wait for the owner (an unknown SKU, say), for Today."""
    return ChannelDelivery.objects.filter(status=InboundStatus.HELD).count()
