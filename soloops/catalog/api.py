from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from soloops.accounts.auth import api_auth
from soloops.api_input import Email, Flag, In, Integer, Money
from soloops.api_output import created
from soloops.catalog import selectors, services
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["catalog"])

# The columns are 32-bit integers: larger numbers must be refused here, not by the database
# (PostgreSQL raises "integer out of range", a 500; SQLite would store them).
INT_MAX = 2_147_483_647


class PatchIn(In):
    """A partial update: a field left out keeps its value; ``null`` is not a value."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value):
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


class VariantOut(Schema):
    id: int
    sku: str
    name: str
    price: Decimal
    currency: str
    weight_grams: int
    requires_shipping: bool
    active: bool
    low_stock_threshold: int


class ProductOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    active: bool
    variants: list[VariantOut]


class ProductPage(PageOut):
    items: list[ProductOut]


class VariantIn(In):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field("", max_length=200)
    price: Money = Field(ge=0, max_digits=12, decimal_places=2)
    weight_grams: Integer = Field(0, ge=0, le=INT_MAX)
    requires_shipping: Flag = True
    active: Flag = True
    low_stock_threshold: Integer = Field(5, ge=0, le=INT_MAX)


class ProductIn(In):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field("", max_length=200, pattern=r"^[-a-z0-9_]*$")
    description: str = ""
    active: Flag = True
    variants: list[VariantIn] = []


class ProductPatch(PatchIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    active: Flag | None = None


class VariantPatch(PatchIn):
    name: str | None = Field(None, max_length=200)
    price: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    weight_grams: Integer | None = Field(None, ge=0, le=INT_MAX)
    requires_shipping: Flag | None = None
    active: Flag | None = None
    low_stock_threshold: Integer | None = Field(None, ge=0, le=INT_MAX)


class ProductFilters(PageParams):
    active: bool | None = None
    q: str | None = None


@router.get("/products", response=ProductPage, summary="Products with their variants")
def products_list(request, filters: Query[ProductFilters]):
    return paginate(selectors.products_list(active=filters.active, q=filters.q), filters)


@router.post("/products", response={201: ProductOut}, summary="Create a product (and variants)")
def products_create(request, payload: ProductIn, response: HttpResponse):
    product = services.product_catalog_create(
        actor=request.auth,
        product=payload.model_dump(exclude={"variants"}),
        variants=[v.model_dump() for v in payload.variants],
    )
    return created(
        response, f"/products/{product.pk}", selectors.product_get(product_id=product.pk)
    )


@router.get("/products/{product_id}", response=ProductOut)
def products_get(request, product_id: int):
    return selectors.product_get(product_id=product_id)


@router.patch("/products/{product_id}", response=ProductOut)
def products_update(request, product_id: int, payload: ProductPatch):
    product = selectors.product_get(product_id=product_id)
    services.product_update(
        product=product, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return selectors.product_get(product_id=product_id)


@router.post("/products/{product_id}/variants", response={201: VariantOut})
def variants_create(request, product_id: int, payload: VariantIn, response: HttpResponse):
    product = selectors.product_get(product_id=product_id)
    variant = services.variant_create(product=product, actor=request.auth, **payload.model_dump())
    return created(response, f"/variants/{variant.sku}", variant)


@router.get("/variants/{sku}", response=VariantOut)
def variants_get(request, sku: str):
    return selectors.variant_get(sku=sku)


@router.patch("/variants/{sku}", response=VariantOut)
def variants_update(request, sku: str, payload: VariantPatch):
    variant = selectors.variant_get(sku=sku)
    return services.variant_update(
        variant=variant, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )


class SupplierItemOut(Schema):
    sku: str = Field(alias="variant.sku")
    supplier_sku: str
    unit_cost: Decimal
    currency: str


class SupplierOut(Schema):
    id: int
    name: str
    email: str
    lead_time_days: int
    min_order_quantity: int
    items: list[SupplierItemOut]


class SupplierIn(In):
    name: str = Field(min_length=1, max_length=200)
    email: Email = Field(max_length=254)
    lead_time_days: Integer = Field(7, ge=0, le=365)
    min_order_quantity: Integer = Field(1, ge=1, le=INT_MAX)


class SupplierPatch(PatchIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    email: Email | None = Field(None, max_length=254)
    lead_time_days: Integer | None = Field(None, ge=0, le=365)
    min_order_quantity: Integer | None = Field(None, ge=1, le=INT_MAX)


class SupplierItemIn(In):
    sku: str
    supplier_sku: str = Field(min_length=1, max_length=64)
    unit_cost: Money = Field(ge=0, max_digits=12, decimal_places=2)


class SupplierPage(PageOut):
    items: list[SupplierOut]


@router.get("/suppliers", response=SupplierPage, summary="Suppliers by name, paged")
def suppliers_list(request, paging: Query[PageParams]):
    return paginate(selectors.suppliers_list(), paging)


@router.post("/suppliers", response={201: SupplierOut}, auth=api_auth("supplier.change"))
def suppliers_create(request, payload: SupplierIn, response: HttpResponse):
    supplier = services.supplier_create(actor=request.auth, **payload.model_dump())
    return created(
        response, f"/suppliers/{supplier.pk}", selectors.supplier_get(supplier_id=supplier.pk)
    )


@router.get("/suppliers/{supplier_id}", response=SupplierOut)
def suppliers_get(request, supplier_id: int):
    return selectors.supplier_get(supplier_id=supplier_id)


@router.patch("/suppliers/{supplier_id}", response=SupplierOut, auth=api_auth("supplier.change"))
def suppliers_update(request, supplier_id: int, payload: SupplierPatch):
    supplier = selectors.supplier_get(supplier_id=supplier_id)
    services.supplier_update(
        supplier=supplier, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return selectors.supplier_get(supplier_id=supplier_id)


@router.put(
    "/suppliers/{supplier_id}/items",
    response=SupplierOut,
    summary="Set what a supplier sells us for a SKU",
    auth=api_auth("supplier.change"),
)
def suppliers_item_set(request, supplier_id: int, payload: SupplierItemIn):
    supplier = selectors.supplier_get(supplier_id=supplier_id)
    variant = selectors.variant_get(sku=payload.sku)
    services.supplier_item_set(
        supplier=supplier,
        variant=variant,
        supplier_sku=payload.supplier_sku,
        unit_cost=payload.unit_cost,
        actor=request.auth,
    )
    return selectors.supplier_get(supplier_id=supplier_id)
