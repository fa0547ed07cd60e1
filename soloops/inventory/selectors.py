"""Reads of stock and the ledger, shared by orders, the API, the console and ``soloops check``."""

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from soloops.inventory.models import Movement, Reservation, ReservationStatus, StockLevel

# Intake reads this for every order: SQL written once, through a raw queryset (the ORM's types
# for the variant, none of its query building, which was most of this read's time: 1.2 of
# 1.25 ms on SQLite, 1.4 of 2.0 on PostgreSQL).
STOCK_FOR_SKUS_SQL = """
SELECT v.*, s.id AS stock_id, s.location_id AS stock_location_id, s.on_hand AS stock_on_hand,
  s.reserved AS stock_reserved, p.name AS product_name, p.active AS product_active
FROM catalog_variant v
JOIN inventory_stocklevel s ON s.variant_id = v.id
JOIN inventory_location l ON l.id = s.location_id
JOIN catalog_product p ON p.id = v.product_id
WHERE l.is_default AND v.sku IN ({skus})
"""
STOCK_EXTRAS = (
    "stock_id",
    "stock_location_id",
    "stock_on_hand",
    "stock_reserved",
    "product_name",
    "product_active",
)


def stock_for_skus(skus: list[str]) -> dict[str, StockLevel]:
    """Default-location stock rows by SKU, with variant and product loaded (one query): the
    variant whole; of the product its name and active flag, of the stock row its counts, their
    other fields deferred (read on access, as ``only()`` leaves them)."""
    if not skus:
        return {}
    sql = STOCK_FOR_SKUS_SQL.format(skus=", ".join(["%s"] * len(skus)))
    # The catalog's models through the foreign keys (its models module is the catalog's own).
    Variant = StockLevel._meta.get_field("variant").related_model
    Product = Variant._meta.get_field("product").related_model
    found = {}
    for variant in Variant.objects.raw(sql, list(skus)):
        extra = {name: vars(variant).pop(name) for name in STOCK_EXTRAS}
        db = variant._state.db
        variant.product = Product.from_db(
            db,
            ["id", "name", "active"],
            [variant.product_id, extra["product_name"], bool(extra["product_active"])],
        )
        stock = StockLevel.from_db(
            db,
            ["id", "variant_id", "location_id", "on_hand", "reserved"],
            [
                extra["stock_id"],
                variant.pk,
                extra["stock_location_id"],
                extra["stock_on_hand"],
                extra["stock_reserved"],
            ],
        )
        stock.variant = variant
        found[variant.sku] = stock
    return found


def stock_levels(*, sku: str | None = None, low: bool | None = None) -> QuerySet[StockLevel]:
    """Every stock row with its variant, product and location, ``available`` and ``low``."""
    rows = StockLevel.objects.select_related("variant__product", "location").annotate(
        available=F("on_hand") - F("reserved"),
        low=ExpressionWrapper(
            Q(on_hand__lt=F("reserved") + F("variant__low_stock_threshold")),
            output_field=BooleanField(),
        ),
    )
    if sku:
        rows = rows.filter(variant__sku=sku)
    if low is not None:
        rows = rows.filter(low=low)
    return rows.order_by("variant__sku", "location__code")


def ledger_for(*, variant_id: int, location_id: int | None = None) -> QuerySet[Movement]:
    movements = Movement.objects.filter(variant_id=variant_id).select_related(
        "location", "variant__product"
    )
    return movements.filter(location_id=location_id) if location_id else movements


def ledger_mismatches() -> list[str]:
    """Every stock row where on_hand != sum(movements) or reserved != sum(active reservations)."""
    movement_sum = (
        Movement.objects.filter(
            variant_id=OuterRef("variant_id"), location_id=OuterRef("location_id")
        )
        .values("variant_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    reserved_sum = (
        Reservation.objects.filter(stock_id=OuterRef("pk"), status=ReservationStatus.ACTIVE)
        .values("stock_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    rows = (
        StockLevel.objects.annotate(
            ledger=Coalesce(Subquery(movement_sum), 0),
            held=Coalesce(Subquery(reserved_sum), 0),
        )
        .filter(~Q(on_hand=F("ledger")) | ~Q(reserved=F("held")))
        .select_related("variant")
    )
    return [
        f"{row.variant.sku}@{row.location_id}: on hand {row.on_hand} vs ledger {row.ledger}, "
        f"reserved {row.reserved} vs reservations {row.held}"
        for row in rows
    ]


def movements_all(*, sku: str | None = None) -> QuerySet[Movement]:
    """The whole stock ledger (or one SKU's), oldest first, with SKU and location (an export)."""
    rows = Movement.objects.select_related("variant", "location").order_by("id")
    return rows.filter(variant__sku=sku) if sku else rows


def skus_out_of_stock_count() -> int:
    """Stock rows of active SKUs with nothing left to sell (available <= 0)."""
    return StockLevel.objects.filter(variant__active=True, on_hand__lte=F("reserved")).count()


def available_by_variant(variant_ids: list[int]) -> dict[int, int]:
    """{variant id: on hand minus reserved} at the default location, for those with a stock
    row there (one query, no model instances: the recommendations' hot path)."""
    rows = StockLevel.objects.filter(variant_id__in=variant_ids, location__is_default=True)
    return dict(rows.values_list("variant_id", F("on_hand") - F("reserved")))
