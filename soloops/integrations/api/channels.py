"""``/api/channels``: sales channels (Shopify, WooCommerce) — configure, read the inbound log,
replay a held delivery, run the catch-up poll. Configuring is the owner's (``channel.change``)."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from soloops.accounts.auth import api_auth
from soloops.api_input import In
from soloops.api_output import created
from soloops.integrations.models.channels import ChannelKind, InboundStatus
from soloops.integrations.selectors import channels as selectors
from soloops.integrations.services import channels as services
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["channels"])
OWNER = api_auth("channel.change")


class ChannelOut(Schema):
    id: int
    name: str
    kind: str
    webhook_path: str = Field(description="give the channel this address for its order webhooks")
    api_url: str
    sku_map: dict[str, str]
    last_polled_at: datetime | None
    created_at: datetime


class ChannelCreatedOut(ChannelOut):
    secret: str = Field(description="signs the channel's webhooks; shown only now")


class ChannelPage(PageOut):
    items: list[ChannelOut]


class ChannelIn(In):
    name: str = Field(max_length=100)
    kind: ChannelKind
    secret: str = Field("", max_length=200, description="Shopify's; empty: one is generated")
    api_url: str = Field("", max_length=300)
    api_token: str = Field("", max_length=300)
    sku_map: dict[str, str] = Field(default_factory=dict)


class ChannelPatch(In):
    name: str | None = Field(None, max_length=100)
    secret: str | None = Field(None, max_length=200)
    api_url: str | None = Field(None, max_length=300)
    api_token: str | None = Field(None, max_length=300)
    sku_map: dict[str, str] | None = None


class InboundOut(Schema):
    id: int
    source: str
    delivery_id: str
    topic: str
    status: str
    reason: str
    duplicates: int
    external_order_id: str
    order_number: str
    created_at: datetime
    processed_at: datetime | None


class InboundPage(PageOut):
    items: list[InboundOut]


class InboundFilters(PageParams):
    status: InboundStatus | None = None


class PollOut(Schema):
    seen: int
    new: int


@router.get("/channels", response=ChannelPage, summary="Sales channels")
def channels_list(request, page: Query[PageParams]):
    return paginate(selectors.channels_list(), page)


@router.post("/channels", response={201: ChannelCreatedOut}, auth=OWNER)
def channels_create(request, payload: ChannelIn, response: HttpResponse):
    channel = services.channel_create(actor=request.auth, **payload.model_dump())
    # The one answer that carries the secret (ChannelOut leaves it out).
    return created(response, f"/channels/{channel.pk}", channel)


@router.get("/channels/{channel_id}", response=ChannelOut)
def channels_get(request, channel_id: int):
    return services.channel_get(channel_id=channel_id)


@router.patch("/channels/{channel_id}", response=ChannelOut, auth=OWNER)
def channels_update(request, channel_id: int, payload: ChannelPatch):
    channel = services.channel_get(channel_id=channel_id)
    return services.channel_update(
        channel=channel, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )


@router.get("/channels/{channel_id}/deliveries", response=InboundPage, summary="Inbound log")
def channels_deliveries(request, channel_id: int, filters: Query[InboundFilters]):
    channel = services.channel_get(channel_id=channel_id)
    return paginate(selectors.channel_deliveries(channel=channel, status=filters.status), filters)


@router.post("/channel-deliveries/{delivery_id}/replay", response={202: InboundOut})
def channel_delivery_replay(request, delivery_id: int):
    row = selectors.channel_delivery_get(delivery_id=delivery_id)
    row = services.channel_delivery_replay(delivery=row, actor=request.auth)
    return Status(202, row)


@router.post("/channels/{channel_id}/poll", response=PollOut, summary="Catch up on missed orders")
def channels_poll(request, channel_id: int):
    channel = services.channel_get(channel_id=channel_id)
    return services.channel_poll(channel=channel, actor=request.auth)
