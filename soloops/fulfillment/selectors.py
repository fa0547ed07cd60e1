"""Reads of shipments: lists, one shipment for a caller, and what is left to ship of an order."""

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet, Sum

from soloops.accounts.actors import Actor
from soloops.errors import InvalidInput, NotFound
from soloops.fulfillment.errors import FulfillmentErrorCode as Code
from soloops.fulfillment.models import ALLOCATING, Shipment, ShipmentLine, ShipmentStatus
from soloops.fulfillment.packing_slips import packing_slips_pdf


def _shipments() -> QuerySet[Shipment]:
    """Shipments with order, customer and lines (with their order lines) loaded, in three
    queries however many; the label bytes stay in the database, ``has_label`` says if any."""
    return (
        Shipment.objects.select_related("order__customer")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
        )
        .defer("label")
        .annotate(has_label=ExpressionWrapper(Q(label__isnull=False), output_field=BooleanField()))
    )


def shipments_list(*, status: str | None = None, order=None) -> QuerySet[Shipment]:
    """Newest first, optionally of one status or one order."""
    shipments = _shipments()
    if status:
        shipments = shipments.filter(status=status)
    if order is not None:
        shipments = shipments.filter(order=order)
    return shipments.order_by("-created_at", "-id")


def shipment_get_for(*, actor: Actor, number: str, field: str | None = None) -> Shipment:
    """One shipment by its number, for any signed-in actor (every role may read shipments)."""
    shipment = _shipments().filter(number=number).first() if actor is not None else None
    if shipment is None:
        raise NotFound(Code.NOT_FOUND, f"no shipment {number}", field=field)
    return shipment


def shipments_get_for(*, actor: Actor, numbers: list[str]) -> list[Shipment]:
    """Several shipments in the order given (each once); a missing one is NotFound naming
    ``shipments[i]``."""
    unique = list(dict.fromkeys(numbers))
    found = {s.number: s for s in _shipments().filter(number__in=unique)} if actor else {}
    for i, number in enumerate(numbers):
        if number not in found:
            raise NotFound(Code.NOT_FOUND, f"no shipment {number}", field=f"shipments[{i}]")
    return [found[number] for number in unique]


def shipment_label(*, actor: Actor, number: str) -> tuple[Shipment, bytes]:
    """A shipment and its label PDF; NotFound (``no_label``) if the carrier made none."""
    shipment = shipment_get_for(actor=actor, number=number)
    label = Shipment.objects.filter(pk=shipment.pk).values_list("label", flat=True).first()
    if not label:
        raise NotFound(Code.NO_LABEL, f"shipment {number} has no label")
    return shipment, bytes(label)


def allocated_per_line(*, order, statuses=ALLOCATING) -> dict[int, int]:
    """Units of each order line in the order's shipments of these statuses (default: every
    shipment not cancelled, i.e. what is no longer free to put in a new shipment)."""
    rows = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status__in=statuses)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["order_line_id"]: row["units"] for row in rows}


def shipped_per_line(*, order) -> dict[int, int]:
    """Units of each order line that left with the carrier (shipped or delivered)."""
    return allocated_per_line(
        order=order, statuses=(ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    )


def order_lines_for(
    *, order, lines: list[tuple[int | None, str | None, int]]
) -> list[tuple[int, int]]:
    """The caller's lines, each named by order line id or by SKU, as (order_line_id, quantity).

    A SKU must be on exactly one line of the order (InvalidInput naming ``lines[i].sku``
    otherwise); ids are checked by ``shipment_create``."""
    by_sku: dict[str, list[int]] = {}
    for line in order.lines.all():
        by_sku.setdefault(line.sku, []).append(line.pk)
    resolved = []
    for i, (line_id, sku, quantity) in enumerate(lines):
        if line_id is None:
            ids = by_sku.get(sku or "", [])
            if len(ids) != 1:
                raise InvalidInput(
                    Code.INVALID_LINE,
                    f"order {order.number} has no line with SKU {sku!r}"
                    if not ids
                    else f"SKU {sku} is on {len(ids)} lines of order {order.number}; "
                    "name the line by order_line_id",
                    field=f"lines[{i}].sku",
                    extra={"order_line_ids": ids},
                )
            line_id = ids[0]
        resolved.append((line_id, quantity))
    return resolved


@dataclass(frozen=True)
class OrdersPackingSlips:
    pdf: bytes | None  # None when no order has a shipment
    shipments: int
    without_shipment: list[str]  # numbers of the orders with no shipment (no slip yet)


def packing_slips_for_orders(*, actor: Actor, numbers: list[str]) -> OrdersPackingSlips:
    """One PDF with the packing slip of every shipment (not cancelled) of these orders, order
    by order in the order given, each slip on its own page. Four queries however many."""
    wanted = list(dict.fromkeys(numbers))
    shipments = (
        list(
            _shipments()
            .filter(order__number__in=wanted)
            .exclude(status=ShipmentStatus.CANCELLED)
            .order_by("created_at", "id")
        )
        if actor is not None and wanted
        else []
    )
    by_order: dict[str, list[Shipment]] = {}
    for shipment in shipments:
        by_order.setdefault(shipment.order.number, []).append(shipment)
    ordered = [s for number in wanted for s in by_order.get(number, [])]
    return OrdersPackingSlips(
        pdf=packing_slips_pdf(ordered) if ordered else None,
        shipments=len(ordered),
        without_shipment=[number for number in wanted if number not in by_order],
    )
