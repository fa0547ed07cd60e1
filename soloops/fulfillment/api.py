from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema
from pydantic import model_validator

from soloops.api_input import In, Integer, Quantity
from soloops.api_output import created
from soloops.fulfillment import selectors, services
from soloops.fulfillment.models import ShipmentStatus
from soloops.fulfillment.packing_slips import packing_slips_pdf
from soloops.orders.selectors import order_get_for
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["fulfillment"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "a PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ShipmentLineIn(In):
    """Name the order line by ``order_line_id``, or by ``sku`` when the order has it once."""

    order_line_id: Integer | None = Field(None, ge=1)
    sku: str | None = Field(None, min_length=1, max_length=64)
    quantity: Quantity = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def one_reference(self):
        if (self.order_line_id is None) == (self.sku is None):
            raise ValueError("give order_line_id or sku")
        return self


class ShipmentIn(In):
    carrier: str = Field(min_length=1, max_length=32, description="manual or sandbox")
    service: str = Field(
        min_length=1,
        max_length=64,
        description="sandbox: standard or express; manual: the carrier's product, e.g. DHL Paket",
    )
    lines: list[ShipmentLineIn] | None = Field(
        None, min_length=1, max_length=200, description="omit to ship everything not yet shipped"
    )
    tracking_number: str | None = Field(None, max_length=100, description="manual carrier only")
    tracking_url: str | None = Field(None, max_length=500, description="manual carrier only")


class ShipmentLineOut(Schema):
    order_line_id: int
    sku: str = Field(alias="order_line.sku")
    title: str = Field(alias="order_line.title")
    quantity: int


class ShipmentOut(Schema):
    number: str
    order_number: str = Field(alias="order.number")
    status: str
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str
    has_label: bool = False
    lines: list[ShipmentLineOut]
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None


class ShipmentPage(PageOut):
    items: list[ShipmentOut]


class ShipmentFilters(PageParams):
    status: ShipmentStatus | None = None


class ShipmentCancelIn(In):
    reason: str = Field("", max_length=500)


class PackingSlipsIn(In):
    shipments: list[str] = Field(min_length=1, max_length=200, description="shipment numbers")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            # Addresses are personal data: no shared cache keeps them.
            "Cache-Control": "private, no-store",
        },
    )


def _out(request, number: str):
    return selectors.shipment_get_for(actor=request.auth, number=number)


@router.post(
    "/orders/{number}/shipments",
    response={201: ShipmentOut},
    summary="Ship some or all of a paid order",
)
def shipments_create(
    request,
    number: str,
    payload: ShipmentIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
):
    order = order_get_for(actor=request.auth, number=number)
    lines = None
    if payload.lines is not None:
        lines = selectors.order_lines_for(
            order=order, lines=[(ln.order_line_id, ln.sku, ln.quantity) for ln in payload.lines]
        )
    shipment = services.shipment_create(
        order=order,
        lines=lines,
        carrier=payload.carrier,
        service=payload.service,
        tracking_number=payload.tracking_number,
        tracking_url=payload.tracking_url or "",
        actor=request.auth,
        idempotency_key=idempotency_key,
    )
    return created(response, f"/shipments/{shipment.number}", _out(request, shipment.number))


@router.get(
    "/orders/{number}/shipments",
    response=ShipmentPage,
    summary="An order's shipments, newest first, paged",
)
def order_shipments(request, number: str, paging: Query[PageParams]):
    order = order_get_for(actor=request.auth, number=number)
    return paginate(selectors.shipments_list(order=order), paging)


@router.get("/shipments", response=ShipmentPage, summary="Shipments, newest first")
def shipments_list(request, filters: Query[ShipmentFilters]):
    return paginate(selectors.shipments_list(status=filters.status), filters)


@router.get("/shipments/{number}", response=ShipmentOut, summary="One shipment")
def shipments_get(request, number: str):
    return _out(request, number)


@router.post(
    "/shipments/{number}/label",
    response=ShipmentOut,
    summary="Get the carrier's label (again, if the first try failed)",
)
def shipments_label(request, number: str):
    shipment = services.shipment_label_create(shipment=_out(request, number), actor=request.auth)
    return _out(request, shipment.number)


@router.post("/shipments/{number}/ship", response=ShipmentOut, summary="The parcel left")
def shipments_ship(request, number: str):
    shipment = services.shipment_ship(shipment=_out(request, number), actor=request.auth)
    return _out(request, shipment.number)


@router.post("/shipments/{number}/deliver", response=ShipmentOut, summary="The parcel arrived")
def shipments_deliver(request, number: str):
    shipment = services.shipment_deliver(shipment=_out(request, number), actor=request.auth)
    return _out(request, shipment.number)


@router.post(
    "/shipments/{number}/cancel", response=ShipmentOut, summary="Drop a shipment not yet shipped"
)
def shipments_cancel(request, number: str, payload: ShipmentCancelIn):
    shipment = services.shipment_cancel(
        shipment=_out(request, number), actor=request.auth, reason=payload.reason
    )
    return _out(request, shipment.number)


@router.get(
    "/shipments/{number}/packing-slip.pdf",
    summary="The shipment's packing slip (PDF)",
    openapi_extra=PDF_RESPONSE,
)
def shipments_packing_slip(request, number: str):
    shipment = _out(request, number)
    return _pdf(packing_slips_pdf([shipment]), f"packing-slip-{shipment.number}.pdf")


@router.post(
    "/packing-slips",
    summary="Packing slips of many shipments in one PDF, one slip per page",
    openapi_extra=PDF_RESPONSE,
)
def packing_slips(request, payload: PackingSlipsIn):
    shipments = selectors.shipments_get_for(actor=request.auth, numbers=payload.shipments)
    return _pdf(packing_slips_pdf(shipments), "packing-slips.pdf")


@router.get(
    "/shipments/{number}/label.pdf",
    summary="The carrier's label (PDF)",
    openapi_extra=PDF_RESPONSE,
)
def shipments_label_pdf(request, number: str):
    shipment, label = selectors.shipment_label(actor=request.auth, number=number)
    return _pdf(label, f"label-{shipment.number}.pdf")
