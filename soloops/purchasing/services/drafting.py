"""Drafting purchase orders for what is short, one draft per supplier."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.events.services import event_emit
from soloops.purchasing import locks, selectors
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from soloops.shop.selectors import shop_currency

from .purchase_orders import QUANTITY_MAX, _expected_date, _money, _new_number, _refresh_total


@dataclass(frozen=True)
class DraftRun:
    """What one draft run did: new drafts, and existing drafts it added to."""

    created: list[PurchaseOrder] = field(default_factory=list)
    extended: list[PurchaseOrder] = field(default_factory=list)

    @property
    def purchase_orders(self) -> list[PurchaseOrder]:
        return [*self.created, *self.extended]


def _decision(position: selectors.Position, quantity: int, trigger: dict, now) -> dict:
    policy, offer = position.policy, position.policy.offer
    return {
        "kind": "reorder",
        "at": now.isoformat(),
        "trigger": trigger,
        "on_hand": position.on_hand,
        "reserved": position.reserved,
        "available": position.available,
        "incoming": position.incoming,
        "reorder_point": policy.reorder_point,
        "reorder_point_source": policy.reorder_point_source,
        "target_level": policy.target_level,
        "target_level_source": policy.target_level_source,
        "shortfall": position.shortfall,
        "min_order_quantity": offer.min_order_quantity,
        "supplier_choice": policy.supplier_choice,
        "quantity": quantity,
    }


def _orderable(positions: list[selectors.Position]) -> list[selectors.Position]:
    return [p for p in positions if p.shortfall > 0 and p.policy.offer is not None]


def purchase_orders_draft_for_low_stock(
    *, actor: Actor, trigger: dict | None = None, variant_ids: list[int] | None = None
) -> DraftRun:
    """Order what is short: for every active SKU whose available + incoming stock is below
    its reorder point, order up to its target level (at least the supplier's minimum order
    quantity), one draft per supplier. A supplier's open draft is extended rather than a
    second one started. Incoming stock counts, so a second run right after the first finds
    nothing to order.

    ``trigger`` says what started the run (kept in each line's reason); ``variant_ids``
    limits the run to those SKUs. See ``locks`` for why concurrent runs never order one need
    twice."""
    trigger = trigger or {"kind": "manual"}
    with transaction.atomic():
        planned = _orderable(selectors.positions(variant_ids=variant_ids))
        if not planned:
            return DraftRun()
        supplier_ids = {p.policy.offer.supplier_id for p in planned}
        locks.lock_reorder(supplier_ids=supplier_ids, variant_ids=[p.variant.pk for p in planned])
        # Read again under the locks: a run that held them before us has committed its
        # orders by now, and they count as incoming here.
        current = _orderable(selectors.positions(variant_ids=[p.variant.pk for p in planned]))
        by_supplier: dict[int, list[selectors.Position]] = {}
        for p in current:
            if p.policy.offer.supplier_id in supplier_ids:
                by_supplier.setdefault(p.policy.offer.supplier_id, []).append(p)
        run = DraftRun()
        now = timezone.now()
        for supplier_id, items in sorted(by_supplier.items()):
            draft = (
                PurchaseOrder.objects.select_for_update()
                .filter(supplier_id=supplier_id, status=PurchaseOrderStatus.DRAFT)
                .order_by("id")
                .first()
            )
            if draft is None:
                run.created.append(_draft_create(supplier_id, items, trigger, now, actor))
            else:
                _draft_extend(draft, items, trigger, now, actor)
                run.extended.append(draft)
    return run


def _line_for(po: PurchaseOrder, position: selectors.Position, quantity: int) -> PurchaseOrderLine:
    offer, variant = position.policy.offer, position.variant
    return PurchaseOrderLine(
        purchase_order=po,
        variant=variant,
        sku=variant.sku,
        title=variant.title[:300],
        supplier_sku=offer.supplier_sku,
        unit_cost=offer.unit_cost,
        quantity_ordered=quantity,
        line_total=offer.unit_cost * quantity,
    )


def _quantity(position: selectors.Position) -> int:
    """The shortfall, at least the supplier's minimum, rounded up to whole packs."""
    offer = position.policy.offer
    wanted = max(position.shortfall, offer.min_order_quantity)
    pack = max(offer.pack_size, 1)
    packs = -(-wanted // pack)
    return min(packs * pack, QUANTITY_MAX // pack * pack or QUANTITY_MAX)


def _insert_draft(supplier_id: int, lead_time_days: int, reason: dict) -> PurchaseOrder:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return PurchaseOrder.objects.create(
                    number=_new_number(),
                    supplier_id=supplier_id,
                    currency=shop_currency(),
                    expected_date=_expected_date(lead_time_days),
                    reason=reason,
                )
        except IntegrityError:
            continue  # the random number was taken (about 1 in 10**9): draw another
    raise RuntimeError("could not draw a free purchase order number")


def _draft_create(supplier_id, items, trigger, now, actor) -> PurchaseOrder:
    decisions = {p.variant.sku: [_decision(p, _quantity(p), trigger, now)] for p in items}
    po = _insert_draft(
        supplier_id,
        items[0].policy.offer.lead_time_days,
        {"source": "low_stock", "trigger": trigger, "lines": decisions},
    )
    lines = PurchaseOrderLine.objects.bulk_create(_line_for(po, p, _quantity(p)) for p in items)
    po.total = sum((ln.line_total for ln in lines), Decimal("0.00"))
    po.save(update_fields=["total", "updated_at"])
    event_emit(
        type="purchase_order.drafted",
        subject=po,
        payload={
            "number": po.number,
            "supplier_id": supplier_id,
            "supplier": items[0].policy.offer.supplier_name,
            "currency": po.currency,
            "total": _money(po.total),
            "trigger": trigger,
            "lines": [
                {"sku": ln.sku, "quantity": ln.quantity_ordered, "unit_cost": _money(ln.unit_cost)}
                for ln in lines
            ],
        },
        actor=actor,
    )
    return po


def _draft_extend(po: PurchaseOrder, items, trigger, now, actor) -> None:
    existing = {ln.variant_id: ln for ln in po.lines.all()}
    changes, new_lines = [], []
    reason = dict(po.reason or {})
    reason.setdefault("lines", {})
    for p in items:
        line = existing.get(p.variant.pk)
        if line is None:
            quantity = _quantity(p)
            new_lines.append(_line_for(po, p, quantity))
            changes.append({"sku": p.variant.sku, "from": 0, "to": quantity})
        else:
            # The line's units already count as incoming: add only the new shortfall.
            quantity = min(line.quantity_ordered + p.shortfall, QUANTITY_MAX)
            changes.append({"sku": line.sku, "from": line.quantity_ordered, "to": quantity})
            line.quantity_ordered = quantity
            line.line_total = line.unit_cost * quantity
            line.save(update_fields=["quantity_ordered", "line_total", "updated_at"])
        reason["lines"].setdefault(p.variant.sku, []).append(
            _decision(p, changes[-1]["to"] - changes[-1]["from"], trigger, now)
        )
    PurchaseOrderLine.objects.bulk_create(new_lines)
    _refresh_total(po)
    po.reason = reason
    po.save(update_fields=["reason", "total", "updated_at"])
    event_emit(
        type="purchase_order.lines_changed",
        subject=po,
        payload={
            "number": po.number,
            "source": "reorder",
            "trigger": trigger,
            "changes": changes,
            "total": _money(po.total),
        },
        actor=actor,
    )
