"""``/api/webhooks``: outbound webhook subscriptions, their delivery log, replay and test send.

Subscribing, changing and removing is the owner's (``webhook.change``): those URLs receive the
shop's data. Replaying and test sends are anyone's who acts (staff)."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from soloops.accounts.auth import api_auth
from soloops.api_input import In
from soloops.api_output import created
from soloops.integrations.models.webhooks import DeliveryStatus
from soloops.integrations.selectors import webhooks as selectors
from soloops.integrations.services import webhooks as services
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["webhooks"])
OWNER = api_auth("webhook.change")


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    status: str = Field(description="active, or paused (deliveries wait for resume)")
    consecutive_failures: int = Field(description="failed attempts in a row")
    paused_at: datetime | None
    paused_reason: str
    last_success_at: datetime | None
    gave_up_count: int = Field(0, description="deliveries that ran out of attempts")
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="signs every body (X-SoloOps-Signature); shown only now")


class WebhookPage(PageOut):
    items: list[WebhookOut]


class WebhookIn(In):
    name: str = Field("", max_length=100)
    url: str = Field(max_length=500, description="http:// or https://")
    event_types: list[str] = Field(
        max_length=100, description="types (order.placed), wildcards (order.*) or *"
    )


class WebhookPatch(In):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=500)
    event_types: list[str] | None = Field(None, max_length=100)


class PauseIn(In):
    reason: str = Field("", max_length=500)


class DeliveryOut(Schema):
    id: int
    key: str = Field(description="the idempotency id the receiver dedupes on")
    event_id: int | None = Field(description="null: a test send")
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(PageOut):
    items: list[DeliveryOut]


class AttemptOut(Schema):
    number: int
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str
    response_excerpt: str
    created_at: datetime


class DeliveryDetailOut(DeliveryOut):
    subscription_id: int
    body: str = Field(description="the exact JSON sent")
    attempt_log: list[AttemptOut] = Field(alias="tries")


class DeliveryFilters(PageParams):
    status: DeliveryStatus | None = None


@router.get("/webhooks", response=WebhookPage, summary="Outbound webhook subscriptions")
def webhooks_list(request, page: Query[PageParams]):
    return paginate(selectors.webhook_subscriptions_list(), page)


@router.post("/webhooks", response={201: WebhookCreatedOut}, auth=OWNER, summary="Subscribe a URL")
def webhooks_create(request, payload: WebhookIn, response: HttpResponse):
    sub = services.webhook_subscription_create(actor=request.auth, **payload.model_dump())
    out = WebhookCreatedOut.model_validate(
        selectors.webhook_subscription_get(subscription_id=sub.pk)
    )
    return created(response, f"/webhooks/{sub.pk}", {**out.model_dump(), "secret": sub.secret})


@router.get("/webhooks/{webhook_id}", response=WebhookOut)
def webhooks_get(request, webhook_id: int):
    return selectors.webhook_subscription_get(subscription_id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response=WebhookOut, auth=OWNER)
def webhooks_update(request, webhook_id: int, payload: WebhookPatch):
    sub = services.webhook_subscription_get(subscription_id=webhook_id)
    services.webhook_subscription_update(
        subscription=sub, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return selectors.webhook_subscription_get(subscription_id=webhook_id)


@router.delete("/webhooks/{webhook_id}", response={204: None}, auth=OWNER)
def webhooks_delete(request, webhook_id: int):
    sub = services.webhook_subscription_get(subscription_id=webhook_id)
    services.webhook_subscription_delete(subscription=sub, actor=request.auth)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/pause", response=WebhookOut, auth=OWNER)
def webhooks_pause(request, webhook_id: int, payload: PauseIn):
    sub = services.webhook_subscription_get(subscription_id=webhook_id)
    services.webhook_subscription_pause(
        subscription=sub, actor=request.auth, reason=payload.reason or "paused by the owner"
    )
    return selectors.webhook_subscription_get(subscription_id=webhook_id)


@router.post("/webhooks/{webhook_id}/resume", response=WebhookOut, auth=OWNER)
def webhooks_resume(request, webhook_id: int):
    sub = services.webhook_subscription_get(subscription_id=webhook_id)
    services.webhook_subscription_resume(subscription=sub, actor=request.auth)
    return selectors.webhook_subscription_get(subscription_id=webhook_id)


@router.post(
    "/webhooks/{webhook_id}/test", response={202: DeliveryOut}, summary="Send a test body now"
)
def webhooks_test(request, webhook_id: int):
    sub = services.webhook_subscription_get(subscription_id=webhook_id)
    return Status(202, services.webhook_test_send(subscription=sub, actor=request.auth))


@router.get("/webhooks/{webhook_id}/deliveries", response=DeliveryPage, summary="Delivery log")
def webhooks_deliveries(request, webhook_id: int, filters: Query[DeliveryFilters]):
    sub = services.webhook_subscription_get(subscription_id=webhook_id)
    return paginate(
        selectors.webhook_deliveries_list(subscription=sub, status=filters.status), filters
    )


@router.get("/webhook-deliveries/{delivery_id}", response=DeliveryDetailOut)
def webhook_delivery_get(request, delivery_id: int):
    return selectors.webhook_delivery_get(delivery_id=delivery_id)


@router.post("/webhook-deliveries/{delivery_id}/replay", response={202: DeliveryOut})
def webhook_delivery_replay(request, delivery_id: int):
    delivery = selectors.webhook_delivery_get(delivery_id=delivery_id)
    return Status(202, services.webhook_delivery_replay(delivery=delivery, actor=request.auth))
