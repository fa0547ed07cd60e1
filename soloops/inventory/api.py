from datetime import datetime
from urllib.parse import quote

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from soloops.api_input import In, Quantity
from soloops.api_output import created
from soloops.catalog.selectors import variant_get
from soloops.errors import NotFound
from soloops.inventory import selectors, services
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["inventory"])

# Stock columns are 32-bit integers: refuse what could not be stored here, with the field
# named, rather than as a database error (a 500 on PostgreSQL, silently stored on SQLite).
# A million units per movement is far beyond a small shop and keeps on_hand clear of 2**31.
MOVEMENT_MAX = 1_000_000


class StockOut(Schema):
    sku: str = Field(alias="variant.sku")
    title: str = Field(alias="variant.title")
    location: str = Field(alias="location.code")
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int = Field(alias="variant.low_stock_threshold")
    low: bool


class StockPage(PageOut):
    items: list[StockOut]


class StockFilters(PageParams):
    sku: str | None = None
    low: bool | None = Field(None, description="only SKUs below their low-stock threshold")


class MovementOut(Schema):
    id: int
    sku: str = Field(alias="variant.sku")
    location: str = Field(alias="location.code")
    kind: str
    quantity: int
    balance_after: int
    reason: str
    reference_type: str
    reference_id: str
    actor_kind: str
    actor_label: str
    created_at: datetime


class MovementPage(PageOut):
    items: list[MovementOut]


class AdjustmentIn(In):
    quantity: Quantity = Field(
        ge=-MOVEMENT_MAX,
        le=MOVEMENT_MAX,
        description="units to add (positive) or remove (negative)",
    )
    kind: str = Field("adjustment", pattern="^(adjustment|receipt|return|count)$")
    reason: str = Field("", max_length=200)


class CountIn(In):
    counted: Quantity = Field(ge=0, le=MOVEMENT_MAX)
    reason: str = Field("stock count", min_length=1, max_length=200)


@router.get("/stock", response=StockPage, summary="Stock per SKU and location")
def stock_list(request, filters: Query[StockFilters]):
    return paginate(selectors.stock_levels(sku=filters.sku, low=filters.low), filters)


@router.post(
    "/stock/{sku}/adjustments", response={201: MovementOut}, summary="Change on-hand stock"
)
def stock_adjust(request, sku: str, payload: AdjustmentIn, response: HttpResponse):
    variant = variant_get(sku=sku)
    movement = services.stock_change(
        variant=variant,
        quantity=payload.quantity,
        kind=payload.kind,
        reason=payload.reason,
        actor=request.auth,
    )
    return _movement_created(response, variant, movement)


@router.post(
    "/stock/{sku}/counts", response={201: MovementOut | None}, summary="Record a stock count"
)
def stock_count(request, sku: str, payload: CountIn, response: HttpResponse):
    variant = variant_get(sku=sku)
    movement = services.stock_count(
        variant=variant, counted=payload.counted, reason=payload.reason, actor=request.auth
    )
    if movement is None:
        return Status(201, None)  # the count matched: nothing was created, so no Location
    return _movement_created(response, variant, movement)


def _movement_created(response: HttpResponse, variant, movement):
    path = f"/stock/{quote(variant.sku, safe='')}/movements/{movement.pk}"
    return created(response, path, selectors.ledger_for(variant_id=variant.pk).get(pk=movement.pk))


@router.get(
    "/stock/{sku}/movements/{movement_id}", response=MovementOut, summary="One ledger movement"
)
def stock_movement(request, sku: str, movement_id: int):
    variant = variant_get(sku=sku)
    movement = selectors.ledger_for(variant_id=variant.pk).filter(pk=movement_id).first()
    if movement is None:
        raise NotFound("not_found", f"no movement {movement_id} of {sku}")
    return movement


@router.get(
    "/stock/{sku}/ledger", response=MovementPage, summary="The SKU's movements, newest first"
)
def stock_ledger(request, sku: str, page: Query[PageParams]):
    variant = variant_get(sku=sku)
    return paginate(selectors.ledger_for(variant_id=variant.pk), page)
