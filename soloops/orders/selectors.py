"""Reads of orders: intake risk counts, the filtered list, one order, and processing figures."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from soloops.accounts.actors import Actor
from soloops.customers.selectors import customer_ids_named, customer_segments
from soloops.errors import NotFound
from soloops.orders.errors import OrderErrorCode as Code
from soloops.orders.models import (
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    ReviewPolicy,
    ShippingRate,
    TaxRate,
)
from soloops.orders.review import reason_text
from soloops.orders.states import HOLDS_STOCK, TRANSITIONS
from soloops.shop.selectors import shop_currency


@dataclass(frozen=True)
class IntakeCounts:
    """What intake reads before it writes a new order (``intake_counts``)."""

    customer_id: int | None  # the customer of the email's earlier orders; None: a first order
    email_customer_id: int | None  # the customer record with this email, if any
    email_customer_merged: bool  # that record was merged into another one
    email_total: int  # orders of the email, ever
    email_recent: int  # ... since the velocity window's start
    ip_recent: int  # orders from the client IP since the window's start


# One statement of six index lookups: it runs for every order, so it is SQL written once rather
# than an ORM aggregate built per call (building it was about 1 ms of an order's 10). Only
# recent orders of the IP: every order through one integration (a storefront server, a
# marketplace) shares its IP, and matching all of them made intake scan the whole table.
INTAKE_COUNTS_SQL = """
SELECT
  (SELECT MAX(customer_id) FROM orders_order WHERE email = %s),
  (SELECT id FROM customers_customer WHERE email = %s),
  (SELECT merged_into_id FROM customers_customer WHERE email = %s),
  (SELECT COUNT(*) FROM orders_order WHERE email = %s),
  (SELECT COUNT(*) FROM orders_order WHERE email = %s AND placed_at >= %s),
  (SELECT COUNT(*) FROM orders_order WHERE client_ip = %s AND placed_at >= %s)
"""


def intake_counts(*, email: str, client_ip: str | None, since: datetime) -> IntakeCounts:
    """Orders before this one by the email (ever and since ``since``) and by the IP (since),
    and who the customer is. One query; ``email`` as stored (lower-case)."""
    since_value = connection.ops.adapt_datetimefield_value(since)
    with connection.cursor() as cursor:
        cursor.execute(
            INTAKE_COUNTS_SQL,
            [email, email, email, email, email, since_value, client_ip, since_value],
        )
        customer_id, email_customer_id, merged_into_id, total, recent, ip_recent = cursor.fetchone()
    return IntakeCounts(
        customer_id=customer_id,
        email_customer_id=email_customer_id,
        email_customer_merged=merged_into_id is not None,
        email_total=total,
        email_recent=recent,
        ip_recent=ip_recent,  # 0 without an IP: client_ip = NULL matches no row
    )


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    channel: str | None = None
    customer_id: int | None = None
    placed_from: date | None = None  # days in the shop's time zone, both included
    placed_to: date | None = None
    q: str | None = None  # an order number, an email (or the start of either), a name


# An order number's random part typed alone ("7K3QXM"), searched under recent years' prefix.
CODE = re.compile(r"[A-Z0-9]{4,12}")
# The start every number shares ("S", "SO-", "SO-2026-"): it matches every order, so it filters
# nothing (gathering all of them through the number index took SQLite 0.4 s on 100k orders).
NUMBER_HEAD = re.compile(r"S(O(-(\d{1,4}(-)?)?)?)?")
CODE_YEARS = 5


def _prefix(field: str, value: str) -> Q:
    """``field`` starts with ``value``, in a form an index serves. PostgreSQL: LIKE 'value%'
    on a varchar_pattern_ops index (Django's ``_like`` index of a unique column, or
    order_email_like_idx). MySQL/MariaDB: LIKE 'value%' on the plain index. SQLite: its LIKE
    ignores case and so no plain index, hence a range [value, value with its last character
    incremented) on the binary-ordered index, exact for the stored forms (numbers upper-case,
    emails lower-case)."""
    if connection.vendor in ("postgresql", "mysql") or ord(value[-1]) >= 0x10FFFF:
        return Q(**{f"{field}__startswith": value})
    return Q(**{f"{field}__gte": value, f"{field}__lt": value[:-1] + chr(ord(value[-1]) + 1)})


def order_search(text: str) -> Q:
    """What the orders list's search box matches, each part on an index: the number (exact or
    its start, or its random part alone), the email (exact or its start; emails are stored
    lower-case) and the customer's name (contains, case-insensitive, looked up in the
    customers table first; then orders by order_customer_idx). Text with an @ is an email."""
    text = text.strip()
    if not text:
        return Q()
    email = text.lower()
    if "@" in text:
        return _prefix("email", email)
    number = text.upper()
    if NUMBER_HEAD.fullmatch(number):
        return Q()
    match = _prefix("number", number) | _prefix("email", email)
    if CODE.fullmatch(number):
        year = timezone.localdate().year
        for y in range(year - CODE_YEARS + 1, year + 1):
            match |= _prefix("number", f"SO-{y}-{number}")
    if not number.startswith("SO-"):
        names = customer_ids_named(text)
        if names:
            match |= Q(customer_id__in=names)
    return match


LIST_DEFERRED = (
    "shipping_address",
    "billing_address",
    "review",
    "note",
    "request_hash",
    "customer__shipping_address",
    "customer__billing_address",
)


def orders_list(filters: OrderFilters) -> QuerySet[Order]:
    """Newest first; each row carries its customer and its number of lines (no per-row
    queries, and no GROUP BY: a count of each row's lines by subquery lets the database walk
    order_placed_idx / order_status_idx and stop after a page)."""
    line_count = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    orders = (
        Order.objects.select_related("customer")
        # A list shows neither addresses nor the review: not read, not decoded.
        .defer(*LIST_DEFERRED)
        .annotate(line_count=Coalesce(Subquery(line_count), 0))
    )
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.customer_id:
        orders = orders.filter(customer_id=filters.customer_id)
    # Ranges of placed_at (an index serves them), not a per-row date cast (none does).
    if filters.placed_from:
        orders = orders.filter(placed_at__gte=local_day_bounds(filters.placed_from)[0])
    if filters.placed_to:
        orders = orders.filter(placed_at__lt=local_day_bounds(filters.placed_to)[1])
    if filters.q:
        orders = orders.filter(order_search(filters.q))
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


def order_numbers(*, ids: list[str]) -> dict[str, str]:
    """Order id (as the stock ledger and events keep it, a string) -> the number people see."""
    keys = [int(i) for i in ids if str(i).isdigit()]
    return {
        str(pk): number
        for pk, number in Order.objects.filter(pk__in=keys).values_list("pk", "number")
    }


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
            "tags": list(order.customer.tags),
            # 'at_risk' in customer.segments: the named RFM segment and saved segments' keys
            "segments": customer_segments(customer=order.customer),
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


# Orders that do not count towards the shop's orders and revenue figures.
NOT_COUNTED = (OrderStatus.REJECTED, OrderStatus.CANCELLED)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of ``day`` and of the day after, in the shop's time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


def placed_figures(*, start: datetime, end: datetime) -> dict:
    """Orders placed in [start, end): count and revenue, not counting rejected or cancelled
    orders; revenue in the shop's currency. A range on ``placed_at`` (order_placed_idx),
    never a per-row date cast, which no index serves."""
    figures = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status__in=NOT_COUNTED)
        .aggregate(
            orders=Count("id"),
            revenue=Sum("total", filter=Q(currency=shop_currency())),
        )
    )
    return {"orders": figures["orders"], "revenue": figures["revenue"] or Decimal("0.00")}


def day_figures(*, day) -> dict:
    """Orders placed on ``day`` (the shop's time zone): count and revenue (not counting
    rejected or cancelled orders)."""
    start, end = local_day_bounds(day)
    return placed_figures(start=start, end=end)


def orders_on_hold_count() -> int:
    return Order.objects.filter(status=OrderStatus.ON_HOLD).count()


def orders_on_hold(*, limit: int) -> list[Order]:
    """Held orders, the longest waiting first, with what the owner needs to decide (their
    review and reason), without the addresses and lines. One query on order_status_idx."""
    return list(
        Order.objects.filter(status=OrderStatus.ON_HOLD)
        .only(
            "number",
            "email",
            "currency",
            "total",
            "risk_score",
            "review",
            "review_outcome",
            "status_reason",
            "placed_at",
            "updated_at",
        )
        .order_by("placed_at", "id")[:limit]
    )


@dataclass(frozen=True)
class SalesDay:
    day: date
    orders: int  # placed that day and not rejected or cancelled
    revenue: Decimal  # their totals, in the shop's currency


@dataclass(frozen=True)
class SalesOverview:
    """The shop's orders over the last ``len(days)`` days in its time zone (today last)."""

    currency: str
    days: list[SalesDay]
    # Every order placed in those days by its current status: (status, label, count), in the
    # order of the state machine, statuses without orders left out.
    by_status: list[tuple[str, str, int]]
    same_time_last_week: dict  # {"orders", "revenue"} from 7 days ago at 00:00 to 7 days ago now

    @property
    def today(self) -> SalesDay:
        return self.days[-1]


def sales_overview(*, now: datetime | None = None, days: int = 30) -> SalesOverview:
    """Orders and revenue per day for the last ``days`` days (days without orders are 0), the
    orders of those days by status, and today's figures a week ago by the same time of day.

    Two queries whatever the number of orders: one GROUP BY (local day, status) over a range
    of ``placed_at``, one aggregate over last week's part-day. Both are range scans of
    order_placed_idx. Revenue counts only orders in the shop's currency.

    The local day of an order is a CASE over the days' first instants (computed here, so
    summer time is right), not a per-row date cast: SQLite runs Django's cast as a Python
    function per row, which made this page slow on a big shop."""
    now = timezone.localtime(now)
    today = now.date()
    first = today - timedelta(days=days - 1)
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(today)
    currency = shop_currency()
    day_starts = [local_day_bounds(first + timedelta(days=i))[0] for i in range(1, days)]
    day_index = Case(
        *(When(placed_at__lt=at, then=Value(i)) for i, at in enumerate(day_starts)),
        default=Value(days - 1),
        output_field=IntegerField(),
    )
    rows = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .annotate(day_index=day_index)
        .values("day_index", "status")
        .annotate(orders=Count("id"), revenue=Sum("total", filter=Q(currency=currency)))
        .order_by()  # no default ordering: it would join the GROUP BY
    )
    orders: dict[date, int] = {}
    revenue: dict[date, Decimal] = {}
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["orders"]
        if row["status"] in NOT_COUNTED:
            continue
        day = first + timedelta(days=row["day_index"])
        orders[day] = orders.get(day, 0) + row["orders"]
        revenue[day] = revenue.get(day, Decimal("0.00")) + (row["revenue"] or Decimal("0.00"))
    series = [
        SalesDay(
            day=day,
            orders=orders.get(day, 0),
            revenue=revenue.get(day, Decimal("0.00")),
        )
        for day in (first + timedelta(days=i) for i in range(days))
    ]
    # The same wall-clock time a week ago (a week is not always 168 hours: summer time).
    week_ago = timezone.make_aware(now.replace(tzinfo=None) - timedelta(days=7))
    last_week_start, _ = local_day_bounds(today - timedelta(days=7))
    return SalesOverview(
        currency=currency,
        days=series,
        by_status=[
            (value, label, by_status[value])
            for value, label in OrderStatus.choices
            if by_status.get(value)
        ],
        same_time_last_week=placed_figures(start=last_week_start, end=week_ago),
    )


# --- the owner's tables: shipping and tax rates, the review policy (Settings) ----------------


def orders_in_currency_exist(*, currency: str) -> bool:
    return Order.objects.filter(currency=currency).exists()


def shipping_rates_list() -> QuerySet[ShippingRate]:
    """By country, "*" (everywhere else) first."""
    return ShippingRate.objects.order_by("method", "country")


def tax_rates_list() -> QuerySet[TaxRate]:
    return TaxRate.objects.order_by("country")


def shipping_rate_get(*, rate_id: int) -> ShippingRate:
    rate = ShippingRate.objects.filter(pk=rate_id).first()
    if rate is None:
        raise NotFound(Code.NOT_FOUND, f"no shipping rate {rate_id}")
    return rate


def tax_rate_get(*, rate_id: int) -> TaxRate:
    rate = TaxRate.objects.filter(pk=rate_id).first()
    if rate is None:
        raise NotFound(Code.NOT_FOUND, f"no tax rate {rate_id}")
    return rate


def review_policy_get() -> ReviewPolicy:
    """The policy as saved (not intake's cached copy); the defaults if none was saved."""
    return ReviewPolicy.objects.filter(pk=1).first() or ReviewPolicy(pk=1)


def orders_exist() -> bool:
    """Whether the shop has taken any order yet (one index probe)."""
    return Order.objects.exists()


# --- the console's orders pages -------------------------------------------------------------

# (value, label) of each order status and channel, for the list's filters.
ORDER_STATUSES = OrderStatus.choices
ORDER_CHANNELS = Channel.choices


def order_next_statuses(*, order: Order) -> set[str]:
    """The statuses the state machine lets ``order`` move to from where it is now."""
    return set(TRANSITIONS[order.status])


def review_reasons(review: dict | None) -> list[dict]:
    """An order's stored risk reasons, biggest first, each with ``text``: its sentence in the
    active language (the stored ``message`` stays English, as the API returns it)."""
    stored = (review or {}).get("reasons", []) if isinstance(review, dict) else []
    reasons = [r for r in stored if isinstance(r, dict)]
    ranked = sorted(reasons, key=lambda r: -int(r.get("points") or 0))
    return [{**r, "text": reason_text(r)} for r in ranked]


# Reasons the shipped default flows write (``automation/default_flows``), by their English
# text, which is what the flow document holds and the order keeps: shown translated.
FLOW_REASONS = {
    "Rejected after review": gettext_lazy("Rejected after review"),
}


def flow_reason_text(reason: str) -> str:
    """A stored reason in the active language when a default flow wrote it; a person's own
    words stay as typed."""
    known = FLOW_REASONS.get(reason)
    return str(known) if known is not None else reason


def order_status_reason(order) -> str:
    """Why the order is in its status, in the active language when the review wrote it (the
    stored reason is the review's English sentences; a person's own words stay as typed)."""
    reasons = review_reasons(order.review)
    stored = [r.get("message", "") for r in (order.review or {}).get("reasons", [])]
    if reasons and order.status_reason == "; ".join(stored):
        by_message = {r.get("message", ""): r["text"] for r in reasons}
        return "; ".join(by_message.get(m, m) for m in stored)
    return flow_reason_text(order.status_reason)


def orders_by_number(numbers: list[str]) -> dict[str, Order]:
    """Orders with these numbers, by number, with their customer and lines: one chunk of a
    history import."""
    rows = Order.objects.select_related("customer").prefetch_related("lines")
    return {o.number: o for o in rows.filter(number__in=numbers)}


def order_lines_all(*, since=None, until=None):
    """Every order line with its order, oldest order first (an export); ``since``/``until``
    bound the order's day (inclusive) in the shop's time zone."""
    from soloops.orders.models import OrderLine

    lines = OrderLine.objects.select_related("order").order_by("order__placed_at", "id")
    if since:
        lines = lines.filter(order__placed_at__gte=_day_start(since))
    if until:
        lines = lines.filter(order__placed_at__lt=_day_start(until + timedelta(days=1)))
    return lines


def _day_start(day: date) -> datetime:
    from soloops.shop.selectors import shop_zone

    return datetime.combine(day, time(0), tzinfo=shop_zone())


# --- the rows the analytics app's daily facts are computed from ---------------------------


def rollup_orders(*, start: datetime, end: datetime) -> list[dict]:
    """Every order placed in [start, end) with what the daily facts count, and whether its
    customer ordered before (``returning``; ties on placed_at broken by id). One range scan of
    order_placed_idx; the EXISTS per row walks order_customer_idx."""
    earlier = Order.objects.filter(customer_id=OuterRef("customer_id")).filter(
        Q(placed_at__lt=OuterRef("placed_at"))
        | Q(placed_at=OuterRef("placed_at"), id__lt=OuterRef("id"))
    )
    return list(
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .annotate(returning=Exists(earlier))
        .values(
            "id",
            "placed_at",
            "status",
            "currency",
            "total",
            "review_outcome",
            "accepted_at",
            "shipped_at",
            "completed_at",
            "returning",
        )
        .order_by()
    )


def rollup_lines(*, start: datetime, end: datetime) -> list[dict]:
    """The lines of orders placed in [start, end) that count (not rejected or cancelled):
    sku, quantity, line_total, the order's placed_at and currency."""
    return list(
        OrderLine.objects.filter(order__placed_at__gte=start, order__placed_at__lt=end)
        .exclude(order__status__in=NOT_COUNTED)
        .values("sku", "quantity", "line_total", "order__placed_at", "order__currency")
        .order_by()
    )


def rollup_order_times(*, order_id: int) -> list[datetime]:
    """When the order was placed, and when its customer's next order was (whether that one
    is the customer's first depends on this one: a backdated import changes it)."""
    order = Order.objects.filter(pk=order_id).values("placed_at", "customer_id", "id").first()
    if order is None:
        return []
    later = (
        Order.objects.filter(customer_id=order["customer_id"])
        .filter(
            Q(placed_at__gt=order["placed_at"])
            | Q(placed_at=order["placed_at"], id__gt=order["id"])
        )
        .order_by("placed_at", "id")
        .values_list("placed_at", flat=True)
        .first()
    )
    return [order["placed_at"], *([later] if later else [])]


def first_order_at() -> datetime | None:
    """When the shop's first order was placed (None: no orders yet)."""
    return Order.objects.order_by("placed_at").values_list("placed_at", flat=True).first()


def rollup_processing(*, start: datetime, end: datetime) -> list[dict]:
    """Orders placed in [start, end) that count (not rejected or cancelled): id, placed_at,
    shipped_at — the processing-time figures."""
    return list(
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status__in=NOT_COUNTED)
        .values("id", "placed_at", "shipped_at")
        .order_by()
    )


# --- figures for monitoring (metrics) -------------------------------------------------------

# Statuses whose money the shop has: the payment was captured (and not cancelled since).
REVENUE_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.FULFILLING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


def order_counts_by_channel_status() -> dict[tuple[str, str], int]:
    """{(channel, status): orders}: every order the shop has, one GROUP BY."""
    rows = Order.objects.order_by().values_list("channel", "status").annotate(n=Count("id"))
    return {(channel, status): n for channel, status, n in rows}


def revenue_by_currency() -> dict[str, Decimal]:
    """{currency: total of orders paid and not cancelled since}: the shop's revenue so far."""
    rows = (
        Order.objects.filter(status__in=REVENUE_STATUSES)
        .order_by()
        .values_list("currency")
        .annotate(total=Sum("total"))
    )
    return {currency: total or Decimal(0) for currency, total in rows}


def orders_in_status(*, statuses: list[str], placed_before: datetime, limit: int = 200) -> list:
    """Orders in ``statuses`` placed before ``placed_before``, oldest first, as (id, number,
    status, placed_at): the candidates of monitoring's "waiting too long" alerts (an order
    entered its status no earlier than it was placed). One query on order_status_idx."""
    rows = Order.objects.filter(status__in=statuses, placed_at__lt=placed_before)
    return list(
        rows.order_by("placed_at").values_list("id", "number", "status", "placed_at")[:limit]
    )


def open_order_counts_by_sku() -> dict[str, int]:
    """{SKU: orders} for the open orders (placed, held, accepted, paid or being packed: the
    ones holding stock) that carry the SKU."""
    rows = (
        OrderLine.objects.filter(order__status__in=HOLDS_STOCK)
        .order_by()
        .values_list("sku")
        .annotate(n=Count("order_id", distinct=True))
    )
    return dict(rows)


# --- the baskets the marketing app's recommendations are counted from ------------------------


def basket_lines(*, since: datetime | None = None):
    """(order id, customer id, variant id, placed_at) of every catalogued line of an order
    that counts, by order: the baskets of the association counts, streamed."""
    lines = OrderLine.objects.filter(variant__isnull=False).exclude(order__status__in=NOT_COUNTED)
    if since is not None:
        lines = lines.filter(order__placed_at__gte=since)
    return (
        lines.order_by("order_id", "id")
        .values_list("order_id", "order__customer_id", "variant_id", "order__placed_at")
        .iterator(chunk_size=5000)
    )


def variant_ids_bought(*, customer_id: int, excluding_order: int | None = None) -> set[int]:
    """The variants this customer has bought in an order that counts (one query), leaving
    out one order's lines when ``excluding_order`` names it."""
    lines = OrderLine.objects.filter(order__customer_id=customer_id, variant__isnull=False)
    if excluding_order is not None:
        lines = lines.exclude(order_id=excluding_order)
    return set(
        lines.exclude(order__status__in=NOT_COUNTED).values_list("variant_id", flat=True).distinct()
    )


def order_basket(*, order_id: int) -> tuple[int, set[int]] | None:
    """(customer id, variant ids) of an order that counts; None for one that does not."""
    rows = list(
        OrderLine.objects.filter(order_id=order_id, variant__isnull=False)
        .exclude(order__status__in=NOT_COUNTED)
        .values_list("order__customer_id", "variant_id")
    )
    if not rows:
        return None
    return rows[0][0], {variant for _, variant in rows}


def orders_of_customers_since(
    *, customer_ids: list[int], since: datetime
) -> list[tuple[int, datetime, Decimal, str]]:
    """(customer id, placed at, total, currency) of the customers' orders placed since
    ``since`` that count (not cancelled or rejected), oldest first: a campaign's attribution."""
    if not customer_ids:
        return []
    return list(
        Order.objects.filter(customer_id__in=customer_ids, placed_at__gte=since)
        .exclude(status__in=(OrderStatus.CANCELLED, OrderStatus.REJECTED))
        .order_by("placed_at", "id")
        .values_list("customer_id", "placed_at", "total", "currency")
    )
