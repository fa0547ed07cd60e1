"""Reads of orders: intake risk counts, the filtered list, one order, and processing figures."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import NotFound
from soloops.orders.errors import OrderErrorCode as Code
from soloops.orders.models import Order, OrderStatus


def intake_counts(*, email: str, client_ip: str | None, since: datetime) -> dict[str, int]:
    """Orders before this one: by the email (ever and since), by the IP (since), and the
    customer of the email's earlier orders (None for a first order). One query."""
    # Only recent orders of the IP: every order through one integration (a storefront server,
    # a marketplace) shares its IP, and matching all of them made intake scan the whole table.
    match = Q(email=email)
    if client_ip:
        match |= Q(client_ip=client_ip, placed_at__gte=since)
    return Order.objects.filter(match).aggregate(
        customer_id=Max("customer_id", filter=Q(email=email)),
        email_total=Count("id", filter=Q(email=email)),
        email_recent=Count("id", filter=Q(email=email, placed_at__gte=since)),
        ip_recent=Count("id", filter=Q(client_ip=client_ip, placed_at__gte=since))
        if client_ip
        else Count("id", filter=Q(pk__in=[])),
    )


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    channel: str | None = None
    customer_id: int | None = None
    placed_from: date | None = None
    placed_to: date | None = None
    q: str | None = None  # an order number or an email (or part of either)


def orders_list(filters: OrderFilters) -> QuerySet[Order]:
    """Newest first; each row carries its customer (no per-row queries)."""
    orders = Order.objects.select_related("customer").annotate(line_count=Count("lines"))
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.customer_id:
        orders = orders.filter(customer_id=filters.customer_id)
    if filters.placed_from:
        orders = orders.filter(placed_at__date__gte=filters.placed_from)
    if filters.placed_to:
        orders = orders.filter(placed_at__date__lte=filters.placed_to)
    if filters.q:
        q = filters.q.strip()
        orders = orders.filter(
            Q(number__iexact=q)
            | Q(email__iexact=q.lower())
            | Q(number__icontains=q)
            | Q(email__icontains=q.lower())
        )
    return orders.order_by("-placed_at", "-id")


def order_get_for(*, actor: Actor, number: str) -> Order:
    """One order by its number, for any signed-in actor (all roles may read orders)."""
    if actor is None or "\x00" in number:  # no number has one; PostgreSQL cannot compare it
        raise NotFound(Code.NOT_FOUND, f"no order {number!r}")
    order = (
        Order.objects.select_related("customer").prefetch_related("lines").filter(number=number)
    ).first()
    if order is None or actor is None:
        raise NotFound(Code.NOT_FOUND, f"no order {number}")
    return order


def order_get_by_token(*, token: str) -> Order:
    """The order behind a customer's confirmation link, with its lines. The secret token is
    the permission, so there is no actor; an unknown token is NotFound."""
    order = Order.objects.prefetch_related("lines").filter(public_token=token).first()
    if order is None:
        raise NotFound(Code.NOT_FOUND, "no such order")
    return order


@dataclass(frozen=True)
class ProcessingStats:
    orders: int
    completed_share: float  # completed / all orders that reached a final state
    mean_to_accept: timedelta | None
    mean_to_ship: timedelta | None


def processing_stats(*, since: datetime | None = None) -> ProcessingStats:
    """Mean time from placed to accepted and to shipped, and the share of orders completed."""
    since = since or timezone.now() - timedelta(days=30)
    orders = Order.objects.filter(placed_at__gte=since)
    duration = DurationField()
    figures = orders.aggregate(
        n=Count("id"),
        finished=Count(
            "id",
            filter=Q(
                status__in=[OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REJECTED]
            ),
        ),
        completed=Count("id", filter=Q(status=OrderStatus.COMPLETED)),
        to_accept=Avg(
            ExpressionWrapper(F("accepted_at") - F("placed_at"), output_field=duration),
            filter=Q(accepted_at__isnull=False),
        ),
        to_ship=Avg(
            ExpressionWrapper(F("shipped_at") - F("placed_at"), output_field=duration),
            filter=Q(shipped_at__isnull=False),
        ),
    )
    return ProcessingStats(
        orders=figures["n"],
        completed_share=(figures["completed"] / figures["finished"])
        if figures["finished"]
        else 0.0,
        mean_to_accept=figures["to_accept"],
        mean_to_ship=figures["to_ship"],
    )


def order_context(order_id: str) -> dict:
    """What a flow sees of an order: the order, its customer and its lines (plain data)."""
    order = (
        Order.objects.select_related("customer")
        .prefetch_related("lines")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return {}
    customer_orders = Order.objects.filter(customer_id=order.customer_id).count()
    return {
        "order": {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "channel": order.channel,
            "email": order.email,
            "currency": order.currency,
            "subtotal": order.subtotal,
            "shipping": order.shipping,
            "tax": order.tax,
            "total": order.total,
            "risk_score": order.risk_score,
            "review": order.review,
            "shipping_country": order.shipping_address.get("country", ""),
            "placed_at": order.placed_at.isoformat(),
        },
        "customer": {
            "id": order.customer_id,
            "email": order.customer.email,
            "name": order.customer.name,
            "language": order.customer.language,
            "orders_count": customer_orders,
        },
        "lines": [
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
            }
            for line in order.lines.all()
        ],
    }


def day_figures(*, day) -> dict:
    """Orders placed on ``day`` (the shop's time zone): count and revenue (not counting
    rejected or cancelled orders)."""
    placed = Order.objects.filter(placed_at__date=day).exclude(
        status__in=[OrderStatus.REJECTED, OrderStatus.CANCELLED]
    )
    figures = placed.aggregate(orders=Count("id"), revenue=Sum("total"))
    return {"orders": figures["orders"], "revenue": figures["revenue"] or 0}


def orders_on_hold_count() -> int:
    return Order.objects.filter(status=OrderStatus.ON_HOLD).count()
