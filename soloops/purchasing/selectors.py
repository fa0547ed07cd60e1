"""Reads of purchasing: each SKU's stock position and reorder need, policies, purchase orders."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from soloops.accounts.actors import Actor
from soloops.catalog.selectors import variants_list
from soloops.errors import NotFound
from soloops.inventory.selectors import stock_levels
from soloops.purchasing.errors import PurchasingErrorCode as Code
from soloops.purchasing.models import (
    OPEN_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ReorderPolicy,
)

# (value, label) of every purchase order status, for filters.
PURCHASE_ORDER_STATUSES = PurchaseOrderStatus.choices
# Sent and not (fully) received: what a supplier still owes us.
AWAITED_STATUSES = (PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED)


@dataclass(frozen=True)
class Offer:
    """What one supplier sells us for one SKU."""

    supplier_id: int
    supplier_name: str
    supplier_sku: str
    unit_cost: Decimal
    min_order_quantity: int
    lead_time_days: int
    pack_size: int = 1  # units a pack holds: orders ask for whole packs


@dataclass(frozen=True)
class EffectivePolicy:
    """A SKU's reorder policy as the draft run applies it: the saved values, defaults for the
    rest. ``*_source`` says where each value came from, for the reason shown on a line."""

    sku: str
    saved: bool
    reorder_point: int
    reorder_point_source: str  # "policy" or "low_stock_threshold"
    target_level: int
    target_level_source: str  # "policy" or "twice_reorder_point"
    preferred_supplier_id: int | None
    auto_send: bool
    offer: Offer | None  # whom the draft run would order from
    supplier_choice: str  # "preferred", "cheapest" or "none"


@dataclass(frozen=True)
class Position:
    """One SKU's stock summed over locations, what is already on order, and its policy."""

    variant: object  # catalog Variant, with product loaded
    on_hand: int
    reserved: int
    incoming: int
    policy: EffectivePolicy

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def shortfall(self) -> int:
        """Units to order to reach the target, or 0 when the reorder point is not crossed."""
        position = self.available + self.incoming
        if position >= self.policy.reorder_point:
            return 0
        return max(self.policy.target_level - position, 0)


def _policy_row(variant) -> ReorderPolicy | None:
    try:
        return variant.reorder_policy
    except ObjectDoesNotExist:
        return None


def _offers(variant) -> list[Offer]:
    offers = [
        Offer(
            supplier_id=item.supplier_id,
            supplier_name=item.supplier.name,
            supplier_sku=item.supplier_sku,
            unit_cost=item.unit_cost,
            min_order_quantity=item.supplier.min_order_quantity,
            lead_time_days=item.supplier.lead_time_days,
            pack_size=item.pack_size,
        )
        for item in variant.supplier_items.all()
    ]
    # Cheapest first; on a tie the faster supplier, then the older one (stable choice).
    return sorted(offers, key=lambda o: (o.unit_cost, o.lead_time_days, o.supplier_id))


def effective_policy(variant) -> EffectivePolicy:
    """Precondition: ``variant`` has ``reorder_policy`` and ``supplier_items__supplier``
    loaded (``positions`` does it), or the caller accepts a query or two."""
    row = _policy_row(variant)
    if row is not None and row.reorder_point is not None:
        reorder_point, point_source = row.reorder_point, "policy"
    else:
        reorder_point, point_source = variant.low_stock_threshold, "low_stock_threshold"
    if row is not None and row.target_level is not None:
        target_level, target_source = max(row.target_level, reorder_point), "policy"
    else:
        target_level, target_source = 2 * reorder_point, "twice_reorder_point"
    offers = _offers(variant)
    preferred_id = row.preferred_supplier_id if row is not None else None
    preferred = next((o for o in offers if o.supplier_id == preferred_id), None)
    if preferred is not None:
        offer, choice = preferred, "preferred"
    elif offers:
        offer, choice = offers[0], "cheapest"
    else:
        offer, choice = None, "none"
    return EffectivePolicy(
        sku=variant.sku,
        saved=row is not None,
        reorder_point=reorder_point,
        reorder_point_source=point_source,
        target_level=target_level,
        target_level_source=target_source,
        preferred_supplier_id=preferred_id,
        auto_send=row.auto_send if row is not None else False,
        offer=offer,
        supplier_choice=choice,
    )


def incoming_by_variant(variant_ids: list[int] | None = None) -> dict[int, int]:
    """Units ordered and not yet received on open purchase orders (draft, sent, partially
    received), per variant id."""
    lines = PurchaseOrderLine.objects.filter(purchase_order__status__in=OPEN_STATUSES)
    if variant_ids is not None:
        lines = lines.filter(variant_id__in=variant_ids)
    rows = lines.values("variant_id").annotate(
        incoming=Sum(F("quantity_ordered") - F("quantity_received"))
    )
    return {row["variant_id"]: row["incoming"] or 0 for row in rows}


@dataclass(frozen=True)
class OnOrder:
    """Units not yet received per SKU: ``sent`` on orders the supplier has (sent or partly
    received), ``drafted`` on drafts nobody sent yet (not on order until they are)."""

    sent: int = 0
    drafted: int = 0


def on_order_by_variant(variant_ids: list[int]) -> dict[int, OnOrder]:
    """Sent and drafted units per variant id, in one query (the Products pages)."""
    awaited = Q(purchase_order__status__in=AWAITED_STATUSES)
    drafted = Q(purchase_order__status=PurchaseOrderStatus.DRAFT)
    outstanding = F("quantity_ordered") - F("quantity_received")
    rows = (
        PurchaseOrderLine.objects.filter(variant_id__in=variant_ids)
        .filter(awaited | drafted)
        .values("variant_id")
        .annotate(
            sent=Coalesce(Sum(outstanding, filter=awaited), 0),
            drafted=Coalesce(Sum(outstanding, filter=drafted), 0),
        )
    )
    return {row["variant_id"]: OnOrder(sent=row["sent"], drafted=row["drafted"]) for row in rows}


def positions(*, variant_ids: list[int] | None = None) -> list[Position]:
    """Every active SKU that some supplier sells us (or just these), by SKU. Four queries."""
    rows = (
        stock_levels()
        .filter(
            variant__active=True,
            variant__product__active=True,
            variant__supplier_items__isnull=False,
        )
        .select_related("variant__reorder_policy")
        .prefetch_related("variant__supplier_items__supplier")
        .distinct()
    )
    if variant_ids is not None:
        rows = rows.filter(variant_id__in=variant_ids)
    stock: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    variants = {}
    for row in rows:
        variants[row.variant_id] = row.variant
        stock[row.variant_id][0] += row.on_hand
        stock[row.variant_id][1] += row.reserved
    incoming = incoming_by_variant(list(variants) if variant_ids is not None else None)
    return [
        Position(
            variant=variant,
            on_hand=stock[pk][0],
            reserved=stock[pk][1],
            incoming=incoming.get(pk, 0),
            policy=effective_policy(variant),
        )
        for pk, variant in sorted(variants.items(), key=lambda kv: kv[1].sku)
    ]


def reorder_policy_for(*, variant) -> EffectivePolicy:
    """The SKU's policy as applied, whether or not a supplier sells it yet."""
    found = positions(variant_ids=[variant.pk])
    return found[0].policy if found else effective_policy(variant)


# --- purchase orders --------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseOrderFilters:
    status: str | None = None
    supplier_id: int | None = None
    ids: list[int] | None = None
    # Due: sent (or partly received), expected on or before this day, so overdue or arriving.
    due_by: date | None = None


def purchase_orders_list(filters: PurchaseOrderFilters) -> QuerySet[PurchaseOrder]:
    """Newest first; each row carries its supplier and line count (no per-row queries).

    The line count is a subquery rather than a join with GROUP BY, so a page of the list
    (LIMIT 51) costs 51 small counts, not a count over every order."""
    line_count = (
        PurchaseOrderLine.objects.filter(purchase_order_id=OuterRef("pk"))
        .order_by()
        .values("purchase_order_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    orders = PurchaseOrder.objects.select_related("supplier").annotate(
        line_count=Coalesce(Subquery(line_count, output_field=IntegerField()), 0)
    )
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.supplier_id:
        orders = orders.filter(supplier_id=filters.supplier_id)
    if filters.ids is not None:
        orders = orders.filter(pk__in=filters.ids)
    if filters.due_by is not None:
        orders = orders.filter(status__in=AWAITED_STATUSES, expected_date__lte=filters.due_by)
    return orders.order_by("-created_at", "-id")


def purchase_order_get_for(*, actor: Actor, number: str) -> PurchaseOrder:
    """One purchase order by its number with supplier and lines, for any signed-in actor
    (every role may read purchasing)."""
    po = (
        PurchaseOrder.objects.select_related("supplier")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("sku", "id"))
        )
        .filter(number=number)
        .first()
    )
    if po is None or actor is None:
        raise NotFound(Code.NOT_FOUND, f"no purchase order {number}")
    return po


def purchase_order_auto_send(po: PurchaseOrder) -> bool:
    """Whether the owner's policies let this draft go out unreviewed: every line's SKU has a
    policy with ``auto_send`` (one SKU the owner wants to review holds the whole order)."""
    variant_ids = set(po.lines.values_list("variant_id", flat=True))
    if not variant_ids:
        return False
    sending = ReorderPolicy.objects.filter(variant_id__in=variant_ids, auto_send=True).count()
    return sending == len(variant_ids)


# --- stock per SKU, for the console -----------------------------------------------------------


def sku_stock_list(
    *, q: str | None = None, low: bool = False, active: bool | None = None
) -> QuerySet:
    """One row per SKU (a catalog Variant with its product): ``on_hand``, ``reserved`` and
    ``available`` summed over locations, and ``reorder_point`` — the saved policy's, else the
    SKU's low-stock threshold (the point where ``stock.low`` fires).

    ``low`` keeps the SKUs that need attention: available below the reorder point, or none
    left at all. ``q`` and ``active`` filter as ``catalog.selectors.variants_list``. What is
    on order is not counted here; ``incoming_by_variant`` adds it for the rows shown."""
    rows = (
        variants_list(q=q, active=active)
        .annotate(
            on_hand=Coalesce(Sum("stock__on_hand"), 0),
            reserved=Coalesce(Sum("stock__reserved"), 0),
            # aggregates too (one policy per SKU, so Max is the value): MySQL/MariaDB's HAVING
            # can name only what is grouped or aggregated
            reorder_point=Coalesce(
                Max("reorder_policy__reorder_point"), Max("low_stock_threshold")
            ),
        )
        .annotate(available=F("on_hand") - F("reserved"))
    )
    if low:
        rows = rows.filter(Q(available__lt=F("reorder_point")) | Q(available__lte=0))
    return rows
