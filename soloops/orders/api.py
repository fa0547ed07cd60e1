from datetime import datetime
from decimal import Decimal

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from soloops.api_input import Day, Email, In, Quantity
from soloops.api_output import created
from soloops.events.selectors import timeline_for
from soloops.orders import selectors, services
from soloops.orders.models import Channel, OrderStatus
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["orders"])

COUNTRY = r"^[A-Za-z]{2}$"


class AddressIn(In):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    region: str = Field("", max_length=100)
    country: str = Field(pattern=COUNTRY, description="ISO 3166 two-letter code")


class LineIn(In):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=1, le=10_000)


class OrderIn(In):
    """Prices are never taken from the caller: the server prices every line."""

    email: Email = Field(min_length=3, max_length=254)
    name: str = Field("", max_length=200)
    language: str = Field("en", pattern="^(en|zh-hans)$")
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None
    note: str = Field("", max_length=2000)
    shipping_method: str = Field(
        "",
        max_length=60,
        description='a delivery method offered to the shipping country ("Express"); '
        "empty: the cheapest offered",
    )


class OrderLineOut(Schema):
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class OrderSummaryOut(Schema):
    number: str
    status: str
    channel: str
    email: str
    customer_name: str = Field(alias="customer.name")
    currency: str
    total: Decimal
    risk_score: int
    line_count: int = 0
    placed_at: datetime


class OrderEventOut(Schema):
    type: str
    actor_kind: str
    actor_label: str
    payload: dict
    created_at: datetime


class OrderOut(Schema):
    number: str
    status: str
    status_reason: str
    channel: str
    email: str
    currency: str
    subtotal: Decimal
    shipping: Decimal
    shipping_method: str
    shipping_days_min: int | None
    shipping_days_max: int | None
    tax: Decimal
    total: Decimal
    shipping_address: dict
    billing_address: dict
    note: str
    review: dict
    risk_score: int
    placed_at: datetime
    lines: list[OrderLineOut]
    timeline: list[OrderEventOut] = []


class OrderPage(PageOut):
    items: list[OrderSummaryOut]


class OrderFiltersIn(PageParams):
    status: OrderStatus | None = None
    channel: Channel | None = None
    customer_id: int | None = None
    placed_from: Day | None = None
    placed_to: Day | None = None
    q: str | None = Field(
        None,
        max_length=254,
        description="an order number or email (exact or its start), or part of the customer name",
    )


class OrderReasonIn(In):
    reason: str = Field("", max_length=500)


OWN_READS = {"lines", "timeline"}  # what _detail reads itself, or takes from the caller


def _detail(order, lines: list | None = None, timeline: list | None = None) -> dict:
    """The order as ``OrderOut``; ``lines`` and ``timeline`` when the caller holds them (a
    just-placed order: no read after commit), else read here."""
    if lines is None:
        # Load the lines once: both the schema and the list below read them.
        prefetch_related_objects([order], "lines")
        lines = list(order.lines.all())
    data = {name: getattr(order, name) for name in OrderOut.model_fields.keys() - OWN_READS}
    data["lines"] = lines
    if timeline is None:
        timeline = timeline_for(subject_type="orders.order", subject_id=order.pk)
    data["timeline"] = timeline
    return data


@router.post("/orders", response={201: OrderOut}, summary="Place an order")
def orders_create(
    request,
    payload: OrderIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
):
    draft = services.OrderDraft(
        email=payload.email,
        name=payload.name,
        language=payload.language,
        lines=[services.LineDraft(sku=ln.sku, quantity=ln.quantity) for ln in payload.lines],
        shipping_address=payload.shipping_address.model_dump() if payload.shipping_address else {},
        billing_address=payload.billing_address.model_dump() if payload.billing_address else {},
        note=payload.note,
        shipping_method=payload.shipping_method.strip(),
    )
    placed = services.order_place_detailed(
        draft=draft,
        channel=Channel.API,
        actor=request.auth,
        client_ip=request.META.get("REMOTE_ADDR"),
        idempotency_key=idempotency_key,
    )
    if not placed.created:
        response["Idempotent-Replayed"] = "true"
    order = placed.order
    detail = _detail(order, lines=placed.lines, timeline=placed.events)
    return created(response, f"/orders/{order.number}", detail)


@router.get("/orders", response=OrderPage, summary="Orders, newest first, filtered")
def orders_list(request, filters: Query[OrderFiltersIn]):
    query = selectors.OrderFilters(**filters.model_dump(exclude={"page", "page_size", "limit"}))
    return paginate(selectors.orders_list(query), filters)


@router.get("/orders/{number}", response=OrderOut, summary="One order with lines, review, timeline")
def orders_get(request, number: str):
    return _detail(selectors.order_get_for(actor=request.auth, number=number))


def _transition(request, number: str, action, **kwargs):
    order = selectors.order_get_for(actor=request.auth, number=number)
    order = action(order=order, actor=request.auth, **kwargs)
    return _detail(selectors.order_get_for(actor=request.auth, number=order.number))


@router.post("/orders/{number}/accept", response=OrderOut)
def orders_accept(request, number: str, payload: OrderReasonIn):
    return _transition(request, number, services.order_accept, note=payload.reason)


@router.post("/orders/{number}/hold", response=OrderOut)
def orders_hold(request, number: str, payload: OrderReasonIn):
    return _transition(request, number, services.order_hold, reason=payload.reason)


@router.post("/orders/{number}/reject", response=OrderOut)
def orders_reject(request, number: str, payload: OrderReasonIn):
    return _transition(request, number, services.order_reject, reason=payload.reason)


@router.post("/orders/{number}/cancel", response=OrderOut)
def orders_cancel(request, number: str, payload: OrderReasonIn):
    return _transition(request, number, services.order_cancel, reason=payload.reason)
