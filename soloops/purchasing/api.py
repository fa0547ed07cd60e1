from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from soloops.accounts.auth import api_auth
from soloops.api_input import Flag, In, Integer, Money, Quantity
from soloops.catalog.selectors import variant_get
from soloops.errors import InvalidInput
from soloops.events.selectors import timeline_for
from soloops.pagination import PageOut, PageParams, paginate
from soloops.purchasing import documents, selectors, services
from soloops.purchasing.errors import PurchasingErrorCode as Code
from soloops.purchasing.models import PurchaseOrderStatus

router = Router(tags=["purchasing"])

QUANTITY_MAX = services.QUANTITY_MAX


# --- reorder policies -------------------------------------------------------------------------


class OfferOut(Schema):
    supplier_id: int
    supplier_name: str
    supplier_sku: str
    unit_cost: Decimal
    min_order_quantity: int
    lead_time_days: int


class ReorderPolicyOut(Schema):
    sku: str
    saved: bool = Field(description="false: no policy saved, every value is a default")
    reorder_point: int = Field(description="order when available + incoming falls below this")
    reorder_point_source: str = Field(description="policy or low_stock_threshold")
    target_level: int = Field(description="order up to this level")
    target_level_source: str = Field(description="policy or twice_reorder_point")
    preferred_supplier_id: int | None
    auto_send: bool
    supplier: OfferOut | None = Field(alias="offer", description="whom drafts go to")
    supplier_choice: str = Field(description="preferred, cheapest or none")


class ReorderPolicyIn(In):
    """The whole policy; a value left null takes its default."""

    reorder_point: Integer | None = Field(
        None, ge=0, le=QUANTITY_MAX, description="null: the SKU's low-stock threshold"
    )
    target_level: Integer | None = Field(
        None, ge=0, le=QUANTITY_MAX, description="null: twice the reorder point"
    )
    preferred_supplier_id: Integer | None = Field(
        None, description="null: the supplier that sells the SKU cheapest"
    )
    auto_send: Flag = Field(False, description="e-mail drafts to the supplier without review")


@router.get("/reorder-policies/{sku}", response=ReorderPolicyOut, summary="How a SKU is reordered")
def reorder_policy_get(request, sku: str):
    return selectors.reorder_policy_for(variant=variant_get(sku=sku))


@router.put(
    "/reorder-policies/{sku}",
    response=ReorderPolicyOut,
    summary="Set how a SKU is reordered",
    auth=api_auth("reorder_policy.set"),
)
def reorder_policy_put(request, sku: str, payload: ReorderPolicyIn):
    variant = variant_get(sku=sku)
    services.reorder_policy_set(variant=variant, actor=request.auth, **payload.model_dump())
    return selectors.reorder_policy_for(variant=variant_get(sku=sku))


# --- purchase orders --------------------------------------------------------------------------


class PurchaseOrderSummaryOut(Schema):
    number: str
    status: str
    supplier_id: int
    supplier: str = Field(alias="supplier.name")
    currency: str
    total: Decimal
    line_count: int
    expected_date: date | None
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None


class PurchaseOrderPage(PageOut):
    items: list[PurchaseOrderSummaryOut]


class PurchaseOrderFiltersIn(PageParams):
    status: PurchaseOrderStatus | None = None
    supplier_id: int | None = None


class PurchaseOrderSupplierOut(Schema):
    id: int
    name: str
    email: str


class PurchaseOrderLineOut(Schema):
    id: int
    sku: str
    title: str
    supplier_sku: str
    unit_cost: Decimal
    quantity_ordered: int
    quantity_received: int
    quantity_remaining: int
    line_total: Decimal
    reason: list[dict] = Field(
        [], description="why the line has its quantity: each reorder decision and edit"
    )


class PurchaseOrderEventOut(Schema):
    type: str
    actor_kind: str
    actor_label: str
    payload: dict
    created_at: datetime


class PurchaseOrderOut(Schema):
    number: str
    status: str
    status_reason: str
    supplier: PurchaseOrderSupplierOut
    currency: str
    total: Decimal
    expected_date: date | None
    reason: dict
    lines: list[PurchaseOrderLineOut]
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    timeline: list[PurchaseOrderEventOut] = []


class DraftRunOut(Schema):
    created: list[PurchaseOrderSummaryOut]
    extended: list[PurchaseOrderSummaryOut] = Field(
        description="open drafts of the same suppliers that lines were added to"
    )


class LineChangeIn(In):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=0, le=QUANTITY_MAX, description="0 removes the line")
    unit_cost: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class LinesIn(In):
    lines: list[LineChangeIn] = Field(min_length=1, max_length=500)


class ReceiptLineIn(In):
    line_id: Integer
    quantity: Quantity = Field(ge=1, le=QUANTITY_MAX)


class ReceiptIn(In):
    lines: list[ReceiptLineIn] | None = Field(
        None, max_length=500, description="leave out to receive everything still expected"
    )


class PurchaseOrderCancelIn(In):
    reason: str = Field("", max_length=500)


def _detail(po) -> dict:
    data = PurchaseOrderOut.from_orm(po).model_dump()
    reasons = (po.reason or {}).get("lines", {})
    data["lines"] = [
        {**PurchaseOrderLineOut.from_orm(ln).model_dump(), "reason": reasons.get(ln.sku, [])}
        for ln in po.lines.all()
    ]
    data["timeline"] = timeline_for(subject_type="purchasing.purchaseorder", subject_id=po.pk)
    return data


def _get(request, number: str):
    return selectors.purchase_order_get_for(actor=request.auth, number=number)


@router.post(
    "/purchase-orders/draft-for-low-stock",
    response=DraftRunOut,
    summary="Draft purchase orders for every SKU below its reorder point",
)
def purchase_orders_draft(request):
    run = services.purchase_orders_draft_for_low_stock(
        actor=request.auth, trigger={"kind": "manual"}
    )
    rows = {
        po.pk: po
        for po in selectors.purchase_orders_list(
            selectors.PurchaseOrderFilters(ids=[po.pk for po in run.purchase_orders])
        )
    }
    return {
        "created": [rows[po.pk] for po in run.created],
        "extended": [rows[po.pk] for po in run.extended],
    }


@router.get("/purchase-orders", response=PurchaseOrderPage, summary="Purchase orders, newest first")
def purchase_orders_list(request, filters: Query[PurchaseOrderFiltersIn]):
    query = selectors.PurchaseOrderFilters(status=filters.status, supplier_id=filters.supplier_id)
    return paginate(selectors.purchase_orders_list(query), filters)


# The document routes come before "/purchase-orders/{number}", whose {number} would match
# "PO-2026-ABC123.pdf" too.
def _file_response(mimetype: str) -> dict:
    return {
        "responses": {
            "200": {
                "description": "the file",
                "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@router.get(
    "/purchase-orders/{number}.pdf",
    summary="The purchase order as the supplier gets it (PDF)",
    openapi_extra=_file_response("application/pdf"),
)
def purchase_order_pdf(request, number: str):
    po = _get(request, number)
    response = HttpResponse(documents.purchase_order_pdf(po), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{po.number}.pdf"'
    return response


@router.get(
    "/purchase-orders/{number}.csv",
    summary="The purchase order's lines as CSV",
    openapi_extra=_file_response("text/csv"),
)
def purchase_order_csv(request, number: str):
    po = _get(request, number)
    response = HttpResponse(documents.purchase_order_csv(po), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{po.number}.csv"'
    return response


@router.get(
    "/purchase-orders/{number}",
    response=PurchaseOrderOut,
    summary="One purchase order with its lines, why each was ordered, and its timeline",
)
def purchase_order_get(request, number: str):
    return _detail(_get(request, number))


@router.patch(
    "/purchase-orders/{number}/lines",
    response=PurchaseOrderOut,
    summary="Change a draft's lines (quantity 0 removes one; a new SKU adds one)",
)
def purchase_order_lines(request, number: str, payload: LinesIn):
    changes = [
        services.LineChange(sku=ln.sku, quantity=ln.quantity, unit_cost=ln.unit_cost)
        for ln in payload.lines
    ]
    po = services.purchase_order_lines_set(
        po=_get(request, number), lines=changes, actor=request.auth
    )
    return _detail(_get(request, po.number))


@router.post(
    "/purchase-orders/{number}/send",
    response=PurchaseOrderOut,
    summary="E-mail a draft to the supplier (PDF and CSV attached)",
)
def purchase_order_send(request, number: str):
    po = services.purchase_order_send(po=_get(request, number), actor=request.auth)
    return _detail(_get(request, po.number))


@router.post(
    "/purchase-orders/{number}/receive",
    response=PurchaseOrderOut,
    summary="Record goods that arrived (into the stock ledger)",
)
def purchase_order_receive(request, number: str, payload: ReceiptIn):
    lines = None
    if payload.lines is not None:
        lines = {}
        for i, ln in enumerate(payload.lines):
            if ln.line_id in lines:
                raise InvalidInput(
                    Code.INVALID_QUANTITY,
                    f"line {ln.line_id} appears twice",
                    field=f"lines[{i}].line_id",
                )
            lines[ln.line_id] = ln.quantity
    po = services.purchase_order_receive(po=_get(request, number), lines=lines, actor=request.auth)
    return _detail(_get(request, po.number))


@router.post(
    "/purchase-orders/{number}/cancel", response=PurchaseOrderOut, summary="Cancel an open order"
)
def purchase_order_cancel(request, number: str, payload: PurchaseOrderCancelIn):
    po = services.purchase_order_cancel(
        po=_get(request, number), actor=request.auth, reason=payload.reason
    )
    return _detail(_get(request, po.number))
