"""Every write on shipments: create, label, ship, deliver, cancel.

Each runs check → change → event in one transaction that locks the order row first, then the
shipment (inventory then locks reservations and stock rows): the order the orders app's own
transitions lock in, so two of them never deadlock, and two shipment changes of one order run
one after the other (neither can count units as free that the other just took).

A carrier call (a label) runs outside any transaction of ours, with an idempotency key derived
from the shipment, so a retried call never buys a second label.
"""

import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.fulfillment import selectors
from soloops.fulfillment.carriers import CARRIERS, LabelRequest, carrier_get
from soloops.fulfillment.errors import FulfillmentErrorCode as Code
from soloops.fulfillment.models import Shipment, ShipmentLine, ShipmentStatus
from soloops.idempotency import hash_request, replay
from soloops.inventory.services import stock_consume
from soloops.numbers import random_code
from soloops.orders.services import (
    order_mark_delivered,
    order_mark_shipped,
    order_start_fulfilling,
)
from soloops.shop.selectors import shop_name

logger = logging.getLogger(__name__)

# The orders app's status values (OrderStatus) that fulfillment reads.
ORDER_PAID, ORDER_FULFILLING, ORDER_SHIPPED = "paid", "fulfilling", "shipped"


def _new_number() -> str:
    return f"SH-{random_code(8)}"


def _lock_order(order_id: int):
    """The order row, read afresh and locked until the caller commits.

    The orders app offers no locking read, so this locks through the model our foreign key
    points at (no import of ``orders.models``)."""
    order_model = Shipment._meta.get_field("order").related_model
    return order_model._default_manager.select_for_update().get(pk=order_id)


def _lock_shipment(shipment_id: int) -> Shipment:
    return Shipment.objects.select_for_update().defer("label").get(pk=shipment_id)


def _require(shipment: Shipment, status: str, to: str) -> None:
    if shipment.status != status:
        raise Conflict(
            Code.ILLEGAL_TRANSITION,
            f"shipment {shipment.number} is {shipment.status} and cannot become {to}",
            field="status",
            extra={"current": shipment.status, "requested": to},
        )


def _payload(shipment: Shipment, order_number: str, lines) -> dict:
    """What ``shipment.*`` events carry; ``lines`` are (order line, quantity) pairs."""
    carrier = CARRIERS.get(shipment.carrier)
    return {
        "number": shipment.number,
        "order_number": order_number,
        "carrier": shipment.carrier,
        "carrier_name": carrier.display_name(shipment.service) if carrier else shipment.carrier,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "lines": [
            {"order_line_id": line.pk, "sku": line.sku, "title": line.title, "quantity": qty}
            for line, qty in lines
        ],
    }


# --- create -----------------------------------------------------------------------------------


def _wanted(order, order_lines: dict, allocated: dict[int, int], lines) -> list[tuple]:
    """(order line, quantity) pairs for the new shipment; InvalidInput names ``lines[i]``."""
    if lines is None:
        wanted = [
            (line, line.quantity - allocated.get(line.pk, 0))
            for line in order_lines.values()
            if line.requires_shipping
        ]
        wanted = [(line, qty) for line, qty in wanted if qty > 0]
        if not wanted:
            raise InvalidInput(
                Code.NOTHING_TO_SHIP,
                f"everything of order {order.number} that ships is already in a shipment",
                field="lines",
            )
        return wanted
    if not lines:
        raise InvalidInput(
            Code.NOTHING_TO_SHIP,
            "give at least one line, or no lines to ship everything left",
            field="lines",
        )
    wanted, seen = [], set()
    for i, (line_id, qty) in enumerate(lines):
        line = order_lines.get(line_id)
        if line is None:
            raise InvalidInput(
                Code.INVALID_LINE,
                f"order {order.number} has no line {line_id}",
                field=f"lines[{i}].order_line_id",
            )
        if not line.requires_shipping:
            raise InvalidInput(
                Code.INVALID_LINE,
                f"{line.sku} does not ship (it needs no shipping)",
                field=f"lines[{i}].order_line_id",
            )
        if line_id in seen:
            raise InvalidInput(
                Code.INVALID_LINE,
                f"line {line_id} ({line.sku}) is listed twice",
                field=f"lines[{i}].order_line_id",
            )
        seen.add(line_id)
        left = line.quantity - allocated.get(line_id, 0)
        if qty < 1:
            raise InvalidInput(
                Code.INVALID_QUANTITY, "quantity must be at least 1", field=f"lines[{i}].quantity"
            )
        if qty > left:
            raise InvalidInput(
                Code.OVER_SHIPPING,
                f"only {left} of {line.sku} left to ship ({line.quantity} ordered, "
                f"{line.quantity - left} in other shipments); {qty} asked",
                field=f"lines[{i}].quantity",
                extra={
                    "sku": line.sku,
                    "ordered": line.quantity,
                    "in_shipments": line.quantity - left,
                    "left": left,
                    "requested": qty,
                },
            )
        wanted.append((line, qty))
    return wanted


def _request_hash(order, lines, carrier, service, tracking_number, tracking_url) -> str:
    return hash_request(
        {
            "order": order.number,
            "lines": None if lines is None else [list(pair) for pair in lines],
            "carrier": carrier,
            "service": service,
            "tracking_number": tracking_number,
            "tracking_url": tracking_url,
        }
    )


def _replay(key: str, request_hash: str) -> Shipment | None:
    return replay(Shipment.objects.defer("label"), key=key, request_hash=request_hash)


def shipment_create(
    *,
    order,
    lines: list[tuple[int, int]] | None,
    carrier: str,
    service: str,
    actor: Actor,
    tracking_number: str | None = None,
    tracking_url: str = "",
    idempotency_key: str | None = None,
) -> Shipment:
    """Put ``lines`` ([(order_line_id, quantity)]) of a paid or fulfilling order in a new
    shipment, or with ``lines=None`` everything that ships and is in no shipment yet. A paid
    order becomes fulfilling in the same transaction. Units never exceed what is left of a line:
    InvalidInput names ``lines[i].quantity`` and nothing is written.

    Then a carrier that makes labels is asked for one, outside the transaction. If the carrier
    fails, the shipment stays without a label (logged; ``shipment_label_create`` retries).
    A caller inside its own transaction (a flow step) passes an ``idempotency_key`` that
    survives its retry, so a rolled-back and repeated call asks the carrier with the same key.
    A repeated call with the same ``idempotency_key`` returns the first call's shipment.
    """
    tracking_number = (tracking_number or "").strip()
    tracking_url = (tracking_url or "").strip()
    service = service.strip()
    chosen = carrier_get(carrier)
    chosen.check(service=service, tracking_number=tracking_number, tracking_url=tracking_url)
    request_hash = ""
    if idempotency_key:
        request_hash = _request_hash(order, lines, carrier, service, tracking_number, tracking_url)
        if existing := _replay(idempotency_key, request_hash):
            return _with_label(existing, actor)
    try:
        with transaction.atomic():
            order = _lock_order(order.pk)
            if order.status not in (ORDER_PAID, ORDER_FULFILLING):
                raise Conflict(
                    Code.ORDER_NOT_SHIPPABLE,
                    f"order {order.number} is {order.status}; only paid or fulfilling orders ship",
                    field="order",
                    extra={"status": order.status},
                )
            order_lines = {line.pk: line for line in order.lines.all()}
            allocated = selectors.allocated_per_line(order=order)
            wanted = _wanted(order, order_lines, allocated, lines)
            if order.status == ORDER_PAID:
                order = order_start_fulfilling(order=order, actor=actor)
            shipment = Shipment.objects.create(
                number=_new_number(),
                order=order,
                carrier=carrier,
                service=service,
                tracking_number=tracking_number,
                tracking_url=tracking_url,
                idempotency_key=idempotency_key or None,
                request_hash=request_hash,
            )
            ShipmentLine.objects.bulk_create(
                ShipmentLine(shipment=shipment, order_line=line, quantity=qty)
                for line, qty in wanted
            )
            event_emit(
                type="shipment.created",
                subject=shipment,
                payload=_payload(shipment, order.number, wanted),
                actor=actor,
            )
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key got there first (numbers are 40
        # random bits): answer with its shipment.
        if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
            return _with_label(existing, actor)
        raise
    return _with_label(shipment, actor)


def _with_label(shipment: Shipment, actor: Actor) -> Shipment:
    carrier = carrier_get(shipment.carrier)
    if not carrier.makes_labels or shipment.status != ShipmentStatus.CREATED:
        return shipment
    try:
        return shipment_label_create(shipment=shipment, actor=actor)
    except Exception:
        # The shipment is committed either way: answer with it, without a label, rather than
        # with an error the caller would take for "not created". Shipping asks again.
        logger.exception("no label yet for shipment %s; retry it", shipment.number)
        return shipment


# --- label ------------------------------------------------------------------------------------


def label_idempotency_key(shipment: Shipment) -> str:
    """The key of every label call for this shipment: from the Idempotency-Key that created it
    if any (a creation retried after a rollback gets a new number but keeps that key), else
    from its number."""
    basis = shipment.idempotency_key or shipment.number
    return "soloops-label-" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def shipment_label_create(*, shipment: Shipment, actor: Actor) -> Shipment:
    """Ask the carrier for the shipment's label and store it with its tracking number.

    Idempotent: a shipment that has a label is returned as it is. The carrier call runs
    outside any transaction of ours; storing is a conditional update, so two concurrent calls
    (which the carrier answers alike, given one key) store one label and emit one
    ``shipment.label_created``. A CarrierError leaves nothing written.
    """
    carrier = carrier_get(shipment.carrier)
    if not carrier.makes_labels:
        raise Conflict(
            Code.NO_LABEL, f"the {carrier.code} carrier makes no labels", field="carrier"
        )
    current = Shipment.objects.defer("label").select_related("order").get(pk=shipment.pk)
    if Shipment.objects.filter(pk=current.pk, label__isnull=False).exists():
        return current
    _require(current, ShipmentStatus.CREATED, to="labelled")
    order = current.order
    lines = list(current.lines.select_related("order_line"))
    request = LabelRequest(
        idempotency_key=label_idempotency_key(current),
        shipment_number=current.number,
        order_number=order.number,
        service=current.service,
        ship_from=shop_name(),
        ship_to=dict(order.shipping_address),
        lines=tuple((ln.order_line.sku, ln.order_line.title, ln.quantity) for ln in lines),
        created_at=current.created_at,
    )
    label = carrier.create_label(request)
    now = timezone.now()
    with transaction.atomic():
        stored = Shipment.objects.filter(pk=current.pk, label__isnull=True).update(
            label=label.pdf,
            tracking_number=label.tracking_number,
            tracking_url=label.tracking_url,
            label_created_at=now,
            updated_at=now,
        )
        current = Shipment.objects.defer("label").get(pk=current.pk)
        if stored:
            event_emit(
                type="shipment.label_created",
                subject=current,
                payload={
                    "number": current.number,
                    "order_number": order.number,
                    "carrier": current.carrier,
                    "service": current.service,
                    "tracking_number": current.tracking_number,
                    "tracking_url": current.tracking_url,
                },
                actor=actor,
            )
    return current


# --- ship, deliver, cancel --------------------------------------------------------------------


def _fully_shipped(order) -> bool:
    shipped = selectors.shipped_per_line(order=order)
    return all(
        shipped.get(line.pk, 0) >= line.quantity
        for line in order.lines.all()
        if line.requires_shipping
    )


def shipment_ship(*, shipment: Shipment, actor: Actor) -> Shipment:
    """The parcel left: its lines' reservations become sale movements (exactly its units; the
    rest of a line stays reserved for a later shipment). When every line that ships has fully
    shipped, the order becomes shipped. A carrier that makes labels is asked for the label
    first, if the shipment has none yet (outside the transaction)."""
    carrier = carrier_get(shipment.carrier)
    if carrier.makes_labels and shipment.status == ShipmentStatus.CREATED:
        shipment = shipment_label_create(shipment=shipment, actor=actor)
    with transaction.atomic():
        order = _lock_order(shipment.order_id)
        shipment = _lock_shipment(shipment.pk)
        _require(shipment, ShipmentStatus.CREATED, to=ShipmentStatus.SHIPPED)
        if order.status != ORDER_FULFILLING:
            raise Conflict(
                Code.ORDER_NOT_SHIPPABLE,
                f"order {order.number} is {order.status}, not fulfilling",
                field="order",
                extra={"status": order.status},
            )
        lines = list(shipment.lines.select_related("order_line"))
        stock_consume(
            quantities={line.order_line_id: line.quantity for line in lines},
            reference=("fulfillment.shipment", shipment.pk),
            actor=actor,
        )
        shipment.status = ShipmentStatus.SHIPPED
        shipment.shipped_at = timezone.now()
        shipment.save(update_fields=["status", "shipped_at", "updated_at"])
        event_emit(
            type="shipment.shipped",
            subject=shipment,
            payload=_payload(
                shipment, order.number, [(ln.order_line, ln.quantity) for ln in lines]
            ),
            actor=actor,
        )
        if _fully_shipped(order):
            order_mark_shipped(order=order, actor=actor)
    return shipment


def shipment_deliver(*, shipment: Shipment, actor: Actor) -> Shipment:
    """The carrier (or the owner) confirmed delivery. When the order has fully shipped and
    this was its last shipment on the way, the order becomes delivered."""
    with transaction.atomic():
        order = _lock_order(shipment.order_id)
        shipment = _lock_shipment(shipment.pk)
        _require(shipment, ShipmentStatus.SHIPPED, to=ShipmentStatus.DELIVERED)
        shipment.status = ShipmentStatus.DELIVERED
        shipment.delivered_at = timezone.now()
        shipment.save(update_fields=["status", "delivered_at", "updated_at"])
        event_emit(
            type="shipment.delivered",
            subject=shipment,
            payload={
                "number": shipment.number,
                "order_number": order.number,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
            },
            actor=actor,
        )
        on_the_way = Shipment.objects.filter(
            order_id=order.pk, status__in=[ShipmentStatus.CREATED, ShipmentStatus.SHIPPED]
        )
        if order.status == ORDER_SHIPPED and not on_the_way.exists():
            order_mark_delivered(order=order, actor=actor)
    return shipment


def shipment_cancel(*, shipment: Shipment, actor: Actor, reason: str = "") -> Shipment:
    """Drop a shipment that has not shipped; its units are free for another shipment and stay
    reserved for the order. (The sandbox's labels cost nothing; a paying carrier would void
    its label here.)"""
    with transaction.atomic():
        order = _lock_order(shipment.order_id)
        shipment = _lock_shipment(shipment.pk)
        _require(shipment, ShipmentStatus.CREATED, to=ShipmentStatus.CANCELLED)
        shipment.status = ShipmentStatus.CANCELLED
        shipment.cancelled_at = timezone.now()
        shipment.save(update_fields=["status", "cancelled_at", "updated_at"])
        event_emit(
            type="shipment.cancelled",
            subject=shipment,
            payload={
                "number": shipment.number,
                "order_number": order.number,
                "reason": reason.strip(),
            },
            actor=actor,
        )
    return shipment
