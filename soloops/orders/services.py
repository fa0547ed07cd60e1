"""Every write on orders: intake (``order_place``) and each transition of the state machine.

Intake runs in one transaction: customer, order, lines, review, stock reservation (last, so the
hot stock rows are locked only at the end) and the events. Anything wrong in the input raises
an ``ApplicationError`` naming the field, and nothing is written.
"""

import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_instances
from soloops.customers.services import (
    Person,
    customer_for_order,
    customer_new_for_order,
    customer_stats_refresh,
    customers_resolve,
)
from soloops.errors import ApplicationError, Conflict, InvalidInput
from soloops.events.services import (
    EventSpec,
    event_emit,
    events_dispatch_in_transaction,
    events_emit,
)
from soloops.idempotency import hash_request, replay
from soloops.inventory.selectors import stock_for_skus
from soloops.inventory.services import Hold, stock_consume, stock_release, stock_reserve
from soloops.numbers import random_code
from soloops.orders import pricing, selectors, tables
from soloops.orders.changes import order_address_change as order_address_change
from soloops.orders.errors import OrderErrorCode as Code
from soloops.orders.models import (
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    ReviewOutcome,
    ReviewPolicy,
)
from soloops.orders.review import Facts, review_order
from soloops.orders.states import HOLDS_STOCK, can_move
from soloops.orders.tables import (  # the owner's tables, re-exported: this is the door
    POLICY_RANGES as POLICY_RANGES,
)
from soloops.orders.tables import review_policy_update as review_policy_update
from soloops.orders.tables import shipping_rate_create as shipping_rate_create
from soloops.orders.tables import shipping_rate_delete as shipping_rate_delete
from soloops.orders.tables import shipping_rate_update as shipping_rate_update
from soloops.orders.tables import tax_rate_create as tax_rate_create
from soloops.orders.tables import tax_rate_delete as tax_rate_delete
from soloops.orders.tables import tax_rate_update as tax_rate_update
from soloops.shop.selectors import shop_currency, shop_profile

ADDRESS_FIELDS = ("name", "line1", "city", "postal_code", "country")


@dataclass(frozen=True)
class LineDraft:
    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderDraft:
    email: str
    lines: list[LineDraft]
    name: str = ""
    language: str = "en"
    shipping_address: dict = field(default_factory=dict)
    billing_address: dict = field(default_factory=dict)
    note: str = ""
    shipping_method: str = ""  # a delivery method's name; "" = the cheapest offered


@dataclass(frozen=True)
class Placed:
    """What ``order_place_detailed`` did: the order, and for a new one the lines and events it
    wrote (a caller answering with them needs no read after commit); None for a replay."""

    order: Order
    created: bool
    lines: list[OrderLine] | None = None
    events: list | None = None


def _new_number(now) -> str:
    return f"SO-{now:%Y}-{random_code(8)}"


def review_policy() -> ReviewPolicy:
    """The owner's policy, kept in the process: intake does not read it on every order."""
    return tables.POLICY.get()


def rate_tables():
    """Shipping and tax tables, kept in the process like the policy."""
    return tables.RATES.get()


def order_quote(
    *, lines: list[tuple[object, int]], country: str, method: str | None = None
) -> pricing.Totals:
    """What an order of ``(variant, quantity)`` pairs to ``country`` would cost by delivery
    ``method`` (None or one not offered there: the cheapest), priced as ``order_place``
    prices it (the same tables and tax setting). A read: nothing is written."""
    country = country or "*"
    line_totals = [variant.price * quantity for variant, quantity in lines]
    if method and method not in {o.method for o in order_shipping_options(lines, country)}:
        method = None
    return pricing.compute_totals(
        line_totals=line_totals,
        ships=any(variant.requires_shipping for variant, _quantity in lines),
        country=country,
        tables=rate_tables(),
        prices_include_tax=shop_profile().prices_include_tax,
        method=method,
    )


def order_shipping_options(
    lines: list[tuple[object, int]], country: str
) -> list[pricing.ShippingOption]:
    """The delivery methods offered for ``(variant, quantity)`` pairs to ``country``, cheapest
    first, each with its price for this order (free over a threshold included). A read."""
    subtotal = sum((variant.price * quantity for variant, quantity in lines), pricing.CENT * 0)
    return pricing.shipping_options(rate_tables()[0], country=country or "*", subtotal=subtotal)


def _check_address(address: dict, name: str) -> None:
    if not address:
        # No address at all: name the address, not its first field.
        raise InvalidInput(
            Code.MISSING_ADDRESS, f"{name} is required for goods that ship", field=name
        )
    for key in ADDRESS_FIELDS:
        if not str(address.get(key) or "").strip():
            raise InvalidInput(
                Code.MISSING_ADDRESS,
                f"{name}.{key} is required for goods that ship",
                field=f"{name}.{key}",
            )
    if not re.fullmatch(r"[A-Za-z]{2}", str(address["country"]).strip()):
        raise InvalidInput(
            Code.INVALID_COUNTRY,
            "country must be a two-letter ISO code such as DE",
            field=f"{name}.country",
        )


def _request_hash(draft: OrderDraft, channel: str) -> str:
    body = asdict(draft)
    if not body["shipping_method"]:  # hashed as before methods: a retry across the upgrade
        del body["shipping_method"]
    return hash_request({"channel": channel, **body})


def _replay(key: str, request_hash: str) -> Order | None:
    return replay(Order.objects.all(), key=key, request_hash=request_hash)


def order_place(
    *,
    draft: OrderDraft,
    channel: str,
    actor: Actor,
    client_ip: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[Order, bool]:
    """Take an order in. Returns (order, created); created is False for an idempotent replay."""
    placed = order_place_detailed(
        draft=draft,
        channel=channel,
        actor=actor,
        client_ip=client_ip,
        idempotency_key=idempotency_key,
    )
    return placed.order, placed.created


def order_place_detailed(
    *,
    draft: OrderDraft,
    channel: str,
    actor: Actor,
    client_ip: str | None = None,
    idempotency_key: str | None = None,
) -> Placed:
    """``order_place``, also returning the lines and events a new order was written with."""
    request_hash = _request_hash(draft, channel) if idempotency_key else ""
    if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
        return Placed(existing, created=False)
    policy = review_policy()
    currency = shop_currency()
    try:
        validate_email(draft.email)
    except ValidationError:
        raise InvalidInput("invalid_email", "enter a valid email address", field="email") from None
    if not draft.lines:
        raise InvalidInput(Code.EMPTY_ORDER, "an order needs at least one line", field="lines")
    stock = stock_for_skus([line.sku for line in draft.lines])
    for i, line in enumerate(draft.lines):
        row = stock.get(line.sku)
        if row is None:
            raise InvalidInput(
                Code.UNKNOWN_SKU, f"no product with SKU {line.sku!r}", field=f"lines[{i}].sku"
            )
        if not (row.variant.active and row.variant.product.active):
            raise InvalidInput(
                Code.INACTIVE_SKU, f"{line.sku} is not for sale", field=f"lines[{i}].sku"
            )
        if row.variant.currency != currency:
            raise InvalidInput(
                Code.CURRENCY_MISMATCH,
                f"{line.sku} is priced in {row.variant.currency}",
                field=f"lines[{i}].sku",
            )
        if not 1 <= line.quantity <= policy.max_quantity_per_line:
            raise InvalidInput(
                Code.QUANTITY_LIMIT,
                f"quantity must be between 1 and {policy.max_quantity_per_line}",
                field=f"lines[{i}].quantity",
            )
    ships = any(stock[line.sku].variant.requires_shipping for line in draft.lines)
    if ships:
        _check_address(draft.shipping_address, "shipping_address")
    billing = draft.billing_address or draft.shipping_address
    if draft.billing_address and ships:
        _check_address(draft.billing_address, "billing_address")
    country = str(draft.shipping_address.get("country") or billing.get("country") or "*")
    line_totals = [stock[line.sku].variant.price * line.quantity for line in draft.lines]
    if ships and draft.shipping_method:
        offered = pricing.shipping_options(
            rate_tables()[0], country=country, subtotal=sum(line_totals, pricing.CENT * 0)
        )
        if draft.shipping_method not in {o.method for o in offered}:
            raise InvalidInput(
                Code.INVALID_METHOD,
                f"no delivery method {draft.shipping_method!r} ships to {country}; "
                f"choose one of: {', '.join(o.method for o in offered) or 'none'}",
                field="shipping_method",
                extra={"offered": [o.method for o in offered]},
            )
    totals = pricing.compute_totals(
        line_totals=line_totals,
        ships=ships,
        country=country,
        tables=rate_tables(),
        prices_include_tax=shop_profile().prices_include_tax,
        method=draft.shipping_method or None,
    )
    insert = partial(
        _order_insert,
        draft,
        channel,
        actor,
        client_ip,
        idempotency_key,
        request_hash,
        policy,
        stock,
        totals,
        billing,
    )
    try:
        return insert()
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key committed first: answer with the
        # order it created. Or a concurrent first order from the same email created the
        # customer first (numbers are 40 random bits): the second try finds that customer.
        if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
            return Placed(existing, created=False)
        return insert()


def _order_insert(
    draft, channel, actor, client_ip, idempotency_key, request_hash, policy, stock, totals, billing
) -> Placed:
    now = timezone.now()
    currency = shop_currency()
    with transaction.atomic():
        email = draft.email.strip().lower()
        counts = selectors.intake_counts(
            email=email,
            client_ip=client_ip,
            since=now - timedelta(minutes=policy.velocity_window_minutes),
        )
        customer_id, new_customer = counts.customer_id, None
        if customer_id is None and counts.email_customer_merged:  # merged away: its keeper
            customer_id = customer_for_order(
                email=email,
                name=draft.name,
                language=draft.language,
                shipping_address=draft.shipping_address,
                billing_address=billing,
                actor=actor,
            ).pk
        elif customer_id is None and counts.email_customer_id is not None:
            customer_id = counts.email_customer_id  # known before ordering (API, import)
        elif customer_id is None:  # a first order from a new customer
            new_customer = customer_new_for_order(
                email=email,
                name=draft.name,
                language=draft.language,
                shipping_address=draft.shipping_address,
                billing_address=billing,
            )
            customer_id = new_customer.customer.pk
        review = review_order(
            Facts(
                total=totals.total,
                currency=currency,
                previous_orders=counts.email_total,
                recent_orders_email=counts.email_recent,
                recent_orders_ip=counts.ip_recent,
                shipping_country=str(draft.shipping_address.get("country", "")),
                billing_country=str(billing.get("country", "")),
            ),
            policy,
        )
        status = {
            ReviewOutcome.ACCEPT: OrderStatus.ACCEPTED,
            ReviewOutcome.HOLD: OrderStatus.ON_HOLD,
            ReviewOutcome.REJECT: OrderStatus.REJECTED,
        }[review.outcome]
        (order,) = insert_instances(
            [
                Order(
                    number=_new_number(now),
                    public_token=secrets.token_urlsafe(24),
                    channel=channel,
                    customer_id=customer_id,
                    email=email,
                    status=status,
                    currency=currency,
                    subtotal=totals.subtotal,
                    shipping=totals.shipping,
                    shipping_method=totals.shipping_method,
                    shipping_days_min=totals.days_min,
                    shipping_days_max=totals.days_max,
                    tax=totals.tax,
                    total=totals.total,
                    shipping_address=draft.shipping_address,
                    billing_address=billing,
                    note=draft.note,
                    client_ip=client_ip,
                    review_outcome=review.outcome,
                    risk_score=review.score,
                    review=review.as_dict(),
                    status_reason="; ".join(r["message"] for r in review.reasons),
                    idempotency_key=idempotency_key,
                    request_hash=request_hash,
                    placed_at=now,
                    accepted_at=now if status == OrderStatus.ACCEPTED else None,
                )
            ]
        )
        lines = insert_instances(
            [
                OrderLine(
                    order=order,
                    variant=stock[line.sku].variant,
                    sku=line.sku,
                    title=stock[line.sku].variant.title,
                    quantity=line.quantity,
                    unit_price=stock[line.sku].variant.price,
                    line_total=stock[line.sku].variant.price * line.quantity,
                    requires_shipping=stock[line.sku].variant.requires_shipping,
                )
                for line in draft.lines
            ]
        )
        placed = {
            "number": order.number,
            "channel": channel,
            "email": order.email,
            "total": str(order.total),
            "currency": order.currency,
            "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in lines],
        }
        decided = {"number": order.number, "review": review.as_dict()}
        events = events_emit(
            specs=[
                *([new_customer.event] if new_customer else []),
                EventSpec("order.placed", order, placed),
                EventSpec(f"order.{status}", order, decided),
            ],
            actor=actor,
        )[1 if new_customer else 0 :]
        if status != OrderStatus.REJECTED:
            stock_reserve(
                holds=[
                    Hold(
                        stock=stock[ln.sku],
                        quantity=ln.quantity,
                        order_line_id=ln.pk,
                        field=f"lines[{i}].quantity",
                    )
                    for i, ln in enumerate(lines)
                ],
                actor=actor,
            )
        events_dispatch_in_transaction()
    return Placed(order, created=True, lines=lines, events=events)


def _line_ids(order: Order) -> list[int]:
    return list(order.lines.values_list("pk", flat=True))


def _transition(
    *,
    order: Order,
    to: str,
    actor: Actor,
    reason: str = "",
    payload: dict | None = None,
    stamp: str | None = None,
) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not can_move(order.status, to):
            raise Conflict(
                Code.ILLEGAL_TRANSITION,
                f"order {order.number} is {order.status} and cannot become {to}",
                field="status",
                extra={"current": order.status, "requested": to},
            )
        previous = order.status
        order.status = to
        order.status_reason = reason
        fields = ["status", "status_reason", "updated_at"]
        if stamp:
            setattr(order, stamp, timezone.now())
            fields.append(stamp)
        order.save(update_fields=fields)
        if previous in HOLDS_STOCK and to in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
            stock_release(order_line_ids=_line_ids(order), actor=actor)
        if to == OrderStatus.SHIPPED:
            # The goods left: the reservation becomes a sale in the ledger. Without this, stock
            # stayed reserved and on hand forever after shipping.
            stock_consume(
                order_line_ids=_line_ids(order), reference=("orders.order", order.pk), actor=actor
            )
        event_emit(
            type=f"order.{to}",
            subject=order,
            payload={"number": order.number, "from": previous, "reason": reason, **(payload or {})},
            actor=actor,
        )
    return order


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput(Code.REASON_REQUIRED, "say why", field="reason")
    return reason.strip()


def order_accept(*, order: Order, actor: Actor, note: str = "") -> Order:
    return _transition(
        order=order, to=OrderStatus.ACCEPTED, actor=actor, reason=note, stamp="accepted_at"
    )


def order_hold(*, order: Order, actor: Actor, reason: str) -> Order:
    return _transition(
        order=order, to=OrderStatus.ON_HOLD, actor=actor, reason=_require_reason(reason)
    )


def order_reject(*, order: Order, actor: Actor, reason: str) -> Order:
    return _transition(
        order=order, to=OrderStatus.REJECTED, actor=actor, reason=_require_reason(reason)
    )


def order_cancel(*, order: Order, actor: Actor, reason: str) -> Order:
    return _transition(
        order=order,
        to=OrderStatus.CANCELLED,
        actor=actor,
        reason=_require_reason(reason),
        stamp="cancelled_at",
    )


def order_mark_paid(*, order: Order, actor: Actor, payment_reference: str = "") -> Order:
    return _transition(
        order=order, to=OrderStatus.PAID, actor=actor, payload={"payment": payment_reference}
    )


def order_start_fulfilling(*, order: Order, actor: Actor) -> Order:
    return _transition(order=order, to=OrderStatus.FULFILLING, actor=actor)


def order_mark_shipped(*, order: Order, actor: Actor) -> Order:
    return _transition(order=order, to=OrderStatus.SHIPPED, actor=actor, stamp="shipped_at")


def order_mark_delivered(*, order: Order, actor: Actor) -> Order:
    return _transition(order=order, to=OrderStatus.DELIVERED, actor=actor)


def order_complete(*, order: Order, actor: Actor) -> Order:
    return _transition(order=order, to=OrderStatus.COMPLETED, actor=actor, stamp="completed_at")


@dataclass(frozen=True)
class AcceptedMany:
    accepted: list[Order]
    # (order number, the error that kept it from being accepted)
    refused: list[tuple[str, ApplicationError]]


def orders_accept_many(*, numbers: list[str], actor: Actor) -> AcceptedMany:
    """Accept several orders, each in its own transaction (``order_accept``): one that cannot
    be accepted (not found, or in a status that cannot become accepted) is reported and the
    others are accepted all the same."""
    accepted, refused = [], []
    for number in dict.fromkeys(numbers):
        try:
            order = selectors.order_get_for(actor=actor, number=number)
            accepted.append(order_accept(order=order, actor=actor))
        except ApplicationError as error:
            refused.append((number, error))
    return AcceptedMany(accepted=accepted, refused=refused)


# --- history ------------------------------------------------------------------------------------

HISTORY_STATUSES = {
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
}


@dataclass(frozen=True)
class HistoryLine:
    sku: str  # "" for a line without one
    title: str
    quantity: int
    line_total: Decimal
    variant: object = None  # the catalog's variant for the SKU, if it has one


def order_import_history(
    *,
    number: str,
    email: str,
    name: str,
    placed_at,
    status: str,
    total: Decimal,
    currency: str,
    lines: list[HistoryLine],
    actor: Actor,
    external_id: str = "",
) -> Order:
    """A past order from another platform, kept as history with its own number, date, status
    and total. It counts for the customer and in the numbers, but reserves no stock, takes no
    payment, sends no email and starts no flow: its one event is ``order.imported``, which no
    default flow listens to. The customer is found by email, then by ``external_id`` (another
    platform's customer id), or created (``customers_resolve``); their totals include it."""
    if status not in HISTORY_STATUSES:
        raise InvalidInput(
            Code.INVALID_STATUS, f"a past order cannot be {status!r}", field="status"
        )
    if total < 0:
        raise InvalidInput(Code.INVALID_AMOUNT, "a total cannot be negative", field="total")
    with transaction.atomic():
        if Order.objects.filter(number=number).exists():
            raise Conflict(Code.DUPLICATE_NUMBER, f"order {number} already exists", field="number")
        (customer,) = customers_resolve(
            people=[Person(email=email, external_id=external_id, name=name)], actor=actor
        )
        order = Order.objects.create(
            number=number,
            public_token=secrets.token_urlsafe(24),
            channel=Channel.IMPORT,
            customer=customer,
            email=customer.email,
            status=status,
            currency=currency,
            subtotal=total,
            shipping=Decimal(0),
            tax=Decimal(0),
            total=total,
            placed_at=placed_at,
            completed_at=placed_at if status == OrderStatus.COMPLETED else None,
            cancelled_at=placed_at if status == OrderStatus.CANCELLED else None,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=line.variant,
                sku=line.sku,
                title=line.title or line.sku or "—",
                quantity=line.quantity,
                unit_price=(line.line_total / line.quantity).quantize(Decimal("0.01")),
                line_total=line.line_total,
                requires_shipping=False,
            )
            for line in lines
        )
        event_emit(
            type="order.imported",
            subject=order,
            payload={
                "number": number,
                "email": order.email,
                "total": str(total),
                "currency": currency,
                "status": status,
                "placed_at": placed_at.isoformat(),
                "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in lines],
            },
            actor=actor,
        )
        customer_stats_refresh(customer_ids=[customer.pk])  # it counts for them at once
    return order


@dataclass(frozen=True)
class HistoryOrder:
    number: str
    email: str  # "" when the file names the customer only by an external id
    name: str
    placed_at: object  # an aware datetime
    status: str
    total: Decimal
    currency: str
    lines: list[HistoryLine]
    external_id: str = ""


ORDER_HISTORY_FIELDS = (
    "number", "public_token", "channel", "customer_id", "email", "status", "currency",
    "subtotal", "shipping", "tax", "total", "placed_at", "completed_at", "cancelled_at",
    "review_outcome",
)  # fmt: skip
LINE_HISTORY_FIELDS = (
    "order_id", "variant_id", "sku", "title", "quantity", "unit_price", "line_total",
    "requires_shipping",
)  # fmt: skip


def orders_import_history(*, orders: list[HistoryOrder], actor: Actor) -> list[int]:
    """Many past orders at once (a chunk of a history file), with the same rules and events
    as ``order_import_history`` but a few INSERTs for the lot: the customers, the orders, the
    lines, the events. Precondition: the caller checked the numbers are new and the statuses
    are history's, and holds the import's transaction. Returns the new orders' ids."""
    from soloops.bulk_insert import insert_rows

    for o in orders:
        if o.status not in HISTORY_STATUSES:
            raise InvalidInput(
                Code.INVALID_STATUS, f"a past order cannot be {o.status!r}", field="status"
            )
    with transaction.atomic():
        customers = customers_resolve(
            people=[Person(o.email, o.external_id, o.name) for o in orders], actor=actor
        )
        rows = []
        for o, customer in zip(orders, customers, strict=True):
            done = o.placed_at if o.status == OrderStatus.COMPLETED else None
            cancelled = o.placed_at if o.status == OrderStatus.CANCELLED else None
            rows.append((
                o.number, secrets.token_urlsafe(24), Channel.IMPORT, customer.pk, customer.email,
                o.status, o.currency, o.total, Decimal(0), Decimal(0), o.total, o.placed_at, done,
                cancelled, "",
            ))  # fmt: skip
        ids = insert_rows(Order, ORDER_HISTORY_FIELDS, rows, return_ids=True)
        lines = [
            (order_id, getattr(ln.variant, "pk", None), ln.sku, ln.title or ln.sku or "—",
             ln.quantity, (ln.line_total / ln.quantity).quantize(Decimal("0.01")), ln.line_total,
             False)
            for o, order_id in zip(orders, ids, strict=True)
            for ln in o.lines
        ]  # fmt: skip
        insert_rows(OrderLine, LINE_HISTORY_FIELDS, lines)
        events_emit(
            specs=[
                EventSpec(
                    "order.imported",
                    ("orders.order", order_id),
                    {
                        "number": o.number,
                        "email": customer.email,
                        "total": str(o.total),
                        "currency": o.currency,
                        "status": o.status,
                        "placed_at": o.placed_at.isoformat(),
                        "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in o.lines],
                    },
                )
                for o, order_id, customer in zip(orders, ids, customers, strict=True)
            ],
            actor=actor,
        )
    return ids
