"""A purchase order's own rules and its life after drafting: line edits on drafts, sending,
receiving into the stock ledger, cancelling."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, Sum, prefetch_related_objects
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.catalog.selectors import variant_get
from soloops.emails.services import email_enqueue
from soloops.errors import Conflict, InvalidInput, NotFound
from soloops.events.services import event_emit
from soloops.inventory.services import stock_change
from soloops.locking import lock_own_rows
from soloops.numbers import random_code
from soloops.purchasing import documents
from soloops.purchasing.errors import PurchasingErrorCode as Code
from soloops.purchasing.models import (
    OPEN_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from soloops.shop.selectors import shop_profile

NUMBER_LENGTH = 6
# Far beyond a small shop's orders; keeps every quantity clear of 32-bit columns.
QUANTITY_MAX = 1_000_000
PO_TYPE = PurchaseOrder._meta.label_lower  # "purchasing.purchaseorder"


def _new_number() -> str:
    return f"PO-{timezone.localdate():%Y}-{random_code(NUMBER_LENGTH)}"


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _locked(po: PurchaseOrder) -> PurchaseOrder:
    """The purchase order re-read under its row lock, with its supplier.

    Every change of an order or its lines takes this lock first, so two changes of one order
    (a receipt and a cancel, two receipts) run one after the other on current values."""
    return lock_own_rows(PurchaseOrder.objects).select_related("supplier").get(pk=po.pk)


def _refresh_total(po: PurchaseOrder) -> None:
    po.total = po.lines.aggregate(total=Sum("line_total"))["total"] or Decimal("0.00")


def _expected_date(lead_time_days: int):
    return timezone.localdate() + timedelta(days=lead_time_days)


def _require_status(po: PurchaseOrder, allowed: tuple[str, ...], doing: str) -> None:
    if po.status not in allowed:
        raise Conflict(
            Code.ILLEGAL_TRANSITION,
            f"purchase order {po.number} is {po.status}; it cannot be {doing}",
            field="status",
            extra={"status": po.status},
        )


# --- editing a draft --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    """Set the draft's line for ``sku`` to ``quantity`` (0 removes it; a new SKU adds a line
    at the supplier's cost), optionally at another ``unit_cost``."""

    sku: str
    quantity: int
    unit_cost: Decimal | None = None


def purchase_order_lines_set(
    *, po: PurchaseOrder, lines: list[LineChange], actor: Actor
) -> PurchaseOrder:
    """Change a draft's lines, all or none; an error names ``lines[i].<field>``."""
    with transaction.atomic():
        po = _locked(po)
        _require_status(po, (PurchaseOrderStatus.DRAFT,), "edited (only drafts can)")
        existing = {ln.sku: ln for ln in po.lines.select_related("variant")}
        planned = []
        seen: set[str] = set()
        for i, change in enumerate(lines):
            planned.append(_check_line_change(po, i, change, existing, seen))
        now = timezone.now()
        reason = dict(po.reason or {})
        reason.setdefault("lines", {})
        changes = []
        for change, line, offer_line in planned:
            before = line.quantity_ordered if line else 0
            cost_before = line.unit_cost if line else None
            if change.quantity == 0:
                if line is not None:
                    line.delete()
            elif line is None:
                offer_line.save()
                line = offer_line
            else:
                line.quantity_ordered = change.quantity
                if change.unit_cost is not None:
                    line.unit_cost = change.unit_cost
                line.line_total = line.unit_cost * line.quantity_ordered
                line.save(
                    update_fields=["quantity_ordered", "unit_cost", "line_total", "updated_at"]
                )
            cost_after = line.unit_cost if line and change.quantity else None
            if before == change.quantity and cost_before == cost_after:
                continue
            entry = {"sku": change.sku, "from": before, "to": change.quantity}
            if (
                change.unit_cost is not None
                and cost_after is not None
                and cost_before != cost_after
            ):
                entry["unit_cost"] = _money(cost_after)
            changes.append(entry)
            reason["lines"].setdefault(change.sku, []).append(
                {"kind": "edit", "at": now.isoformat(), "by": actor.label, **entry}
            )
        if changes:
            _refresh_total(po)
            po.reason = reason
            po.save(update_fields=["reason", "total", "updated_at"])
            event_emit(
                type="purchase_order.lines_changed",
                subject=po,
                payload={
                    "number": po.number,
                    "source": "edit",
                    "changes": changes,
                    "total": _money(po.total),
                },
                actor=actor,
            )
    return po


def purchase_order_line_set(
    *, po: PurchaseOrder, sku: str, quantity: int, actor: Actor, unit_cost: Decimal | None = None
) -> PurchaseOrder:
    """One line of a draft: see ``purchase_order_lines_set``."""
    return purchase_order_lines_set(
        po=po, lines=[LineChange(sku=sku, quantity=quantity, unit_cost=unit_cost)], actor=actor
    )


def _check_line_change(po, i: int, change: LineChange, existing: dict, seen: set):
    """Validate one change; returns (change, existing line or None, new line or None)."""
    where = f"lines[{i}]"
    if change.sku in seen:
        raise InvalidInput(
            Code.INVALID_QUANTITY, f"{change.sku} appears twice", field=f"{where}.sku"
        )
    seen.add(change.sku)
    if not 0 <= change.quantity <= QUANTITY_MAX:
        raise InvalidInput(
            Code.INVALID_QUANTITY,
            f"quantity must be between 0 (remove the line) and {QUANTITY_MAX}",
            field=f"{where}.quantity",
        )
    if change.unit_cost is not None and not Decimal(0) <= change.unit_cost < Decimal(10**10):
        raise InvalidInput(
            Code.INVALID_QUANTITY,
            "unit cost must be between 0 and 9999999999.99",
            field=f"{where}.unit_cost",
        )
    line = existing.get(change.sku)
    if change.quantity == 0:
        return change, line, None
    if line is not None:
        variant, item = line.variant, None
    else:
        try:
            variant = variant_get(sku=change.sku)
        except NotFound:
            # A SKU in the body is bad input (422), not a missing resource (404).
            raise InvalidInput(
                Code.UNKNOWN_SKU, f"no variant with SKU {change.sku!r}", field=f"{where}.sku"
            ) from None
        item = variant.supplier_items.filter(supplier_id=po.supplier_id).first()
        if item is None:
            raise InvalidInput(
                Code.NOT_SOLD_BY_SUPPLIER,
                f"{po.supplier.name} does not sell {change.sku}",
                field=f"{where}.sku",
            )
    minimum = po.supplier.min_order_quantity
    if change.quantity < minimum:
        raise InvalidInput(
            Code.INVALID_QUANTITY,
            f"{po.supplier.name} takes orders of at least {minimum} per line",
            field=f"{where}.quantity",
            extra={"min_order_quantity": minimum},
        )
    if line is not None:
        return change, line, None
    cost = item.unit_cost if change.unit_cost is None else change.unit_cost
    new = PurchaseOrderLine(
        purchase_order=po,
        variant=variant,
        sku=variant.sku,
        title=variant.title[:300],
        supplier_sku=item.supplier_sku,
        unit_cost=cost,
        quantity_ordered=change.quantity,
        line_total=cost * change.quantity,
    )
    return change, None, new


# --- sending ----------------------------------------------------------------------------------


def purchase_order_send(*, po: PurchaseOrder, actor: Actor) -> PurchaseOrder:
    """E-mail the draft to the supplier with the order as PDF and CSV; status → sent.

    The e-mail is stored with an idempotency key derived from the order, in this transaction,
    and sent by the worker after commit: a retried send never e-mails twice."""
    with transaction.atomic():
        po = _locked(po)
        _require_status(po, (PurchaseOrderStatus.DRAFT,), "sent (only drafts can)")
        prefetch_related_objects(
            [po], Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("sku", "id"))
        )
        lines = list(po.lines.all())
        if not lines:
            raise InvalidInput(
                Code.EMPTY_ORDER, f"purchase order {po.number} has no lines", field="lines"
            )
        now = timezone.now()
        po.expected_date = _expected_date(po.supplier.lead_time_days)
        _email_supplier(po, lines, actor)
        po.status = PurchaseOrderStatus.SENT
        po.sent_at = now
        po.save(update_fields=["status", "sent_at", "expected_date", "updated_at"])
        event_emit(
            type="purchase_order.sent",
            subject=po,
            payload={
                "number": po.number,
                "supplier_id": po.supplier_id,
                "to": po.supplier.email,
                "total": _money(po.total),
                "currency": po.currency,
                "expected_date": po.expected_date.isoformat(),
            },
            actor=actor,
        )
    return po


def email_idempotency_key(po: PurchaseOrder) -> str:
    return f"purchase_order:{po.pk}:sent"


def _email_supplier(po: PurchaseOrder, lines: list[PurchaseOrderLine], actor: Actor) -> None:
    context = {
        "supplier": {"name": po.supplier.name},
        "purchase_order": {
            "number": po.number,
            "currency": po.currency,
            "total": _money(po.total),
            "expected_on": po.expected_date.isoformat() if po.expected_date else "",
            "lines": [
                {
                    "sku": ln.sku,
                    "supplier_sku": ln.supplier_sku,
                    "title": ln.title,
                    "quantity": ln.quantity_ordered,
                    "unit_cost": _money(ln.unit_cost),
                    "line_total": _money(ln.line_total),
                }
                for ln in lines
            ],
        },
    }
    email_enqueue(
        to=po.supplier.email,
        template="purchase_order",
        context=context,
        language=shop_profile().language,
        idempotency_key=email_idempotency_key(po),
        subject=(PO_TYPE, str(po.pk)),
        actor=actor,
        attachments=[
            (f"{po.number}.pdf", documents.purchase_order_pdf(po), "application/pdf"),
            (f"{po.number}.csv", documents.purchase_order_csv(po), "text/csv"),
        ],
    )


# --- receiving --------------------------------------------------------------------------------


def purchase_order_receive(
    *, po: PurchaseOrder, lines: dict[int, int] | None, actor: Actor
) -> PurchaseOrder:
    """Goods arrived: ``{line_id: quantity}``, or ``None`` for everything still outstanding.

    Each received quantity becomes a receipt movement in the stock ledger (referencing this
    order). Receiving more than a line still awaits is refused (409 naming
    ``lines[i].quantity``) and nothing is written."""
    with transaction.atomic():
        po = _locked(po)
        _require_status(
            po,
            (PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED),
            "received (send it first)" if po.status == "draft" else "received",
        )
        current = {ln.pk: ln for ln in po.lines.select_related("variant__product")}
        wanted = _check_receipt(current, lines)
        for line_id in sorted(wanted):
            line, quantity = current[line_id], wanted[line_id]
            # Current under the order's lock; the database's check is the last guard.
            line.quantity_received += quantity
            line.save(update_fields=["quantity_received", "updated_at"])
            stock_change(
                variant=line.variant,
                quantity=quantity,
                kind="receipt",
                reason=po.number,
                reference=(PO_TYPE, str(po.pk)),
                actor=actor,
            )
        remaining = {ln.sku: ln.quantity_remaining for ln in current.values()}
        complete = not any(remaining.values())
        po.status = (
            PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
        )
        fields = ["status", "updated_at"]
        if complete:
            po.received_at = timezone.now()
            fields.append("received_at")
        po.save(update_fields=fields)
        event_emit(
            type=f"purchase_order.{po.status}",
            subject=po,
            payload={
                "number": po.number,
                "lines": [
                    {"sku": current[pk].sku, "quantity": wanted[pk]} for pk in sorted(wanted)
                ],
                "remaining": {sku: n for sku, n in remaining.items() if n},
            },
            actor=actor,
        )
    return po


def _check_receipt(current: dict[int, PurchaseOrderLine], lines: dict[int, int] | None):
    if lines is None:
        return {pk: ln.quantity_remaining for pk, ln in current.items() if ln.quantity_remaining}
    if not lines:
        raise InvalidInput(
            Code.INVALID_QUANTITY, "name at least one line to receive", field="lines"
        )
    for i, (line_id, quantity) in enumerate(lines.items()):
        line = current.get(line_id)
        if line is None:
            raise InvalidInput(
                Code.UNKNOWN_LINE,
                f"this purchase order has no line {line_id}",
                field=f"lines[{i}].line_id",
            )
        if quantity < 1:
            raise InvalidInput(
                Code.INVALID_QUANTITY,
                "a received quantity must be at least 1",
                field=f"lines[{i}].quantity",
            )
        if quantity > line.quantity_remaining:
            raise Conflict(
                Code.OVER_RECEIPT,
                f"{line.sku}: {quantity} received but only {line.quantity_remaining} of "
                f"{line.quantity_ordered} still expected",
                field=f"lines[{i}].quantity",
                extra={
                    "sku": line.sku,
                    "ordered": line.quantity_ordered,
                    "received": line.quantity_received,
                    "remaining": line.quantity_remaining,
                    "requested": quantity,
                },
            )
    return dict(lines)


# --- cancelling -------------------------------------------------------------------------------


def purchase_order_cancel(*, po: PurchaseOrder, actor: Actor, reason: str = "") -> PurchaseOrder:
    """Nothing more will arrive: a draft, a sent or a partially received order. What has
    already been received stays in stock; the rest no longer counts as incoming."""
    with transaction.atomic():
        po = _locked(po)
        _require_status(po, OPEN_STATUSES, "cancelled")
        previous = po.status
        po.status = PurchaseOrderStatus.CANCELLED
        po.status_reason = reason.strip()[:500]
        po.cancelled_at = timezone.now()
        po.save(update_fields=["status", "status_reason", "cancelled_at", "updated_at"])
        event_emit(
            type="purchase_order.cancelled",
            subject=po,
            payload={"number": po.number, "from": previous, "reason": po.status_reason},
            actor=actor,
        )
    return po
