from django.db.models import Prefetch, QuerySet

from soloops.catalog.models import Product, Supplier, Variant
from soloops.errors import NotFound


def products_list(*, active: bool | None = None, q: str | None = None) -> QuerySet[Product]:
    products = Product.objects.prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("sku"))
    )
    if active is not None:
        products = products.filter(active=active)
    if q:
        products = products.filter(name__icontains=q) | products.filter(variants__sku__iexact=q)
    return products.distinct().order_by("name", "id")


def product_get(*, product_id: int) -> Product:
    product = products_list().filter(pk=product_id).first()
    if product is None:
        raise NotFound("not_found", f"no product {product_id}")
    return product


def variant_get(*, sku: str) -> Variant:
    variant = Variant.objects.select_related("product").filter(sku=sku).first()
    if variant is None:
        raise NotFound("not_found", f"no variant with SKU {sku!r}", field="sku")
    return variant


def suppliers_list() -> QuerySet[Supplier]:
    return Supplier.objects.prefetch_related("items__variant").order_by("name")


def supplier_get(*, supplier_id: int) -> Supplier:
    supplier = suppliers_list().filter(pk=supplier_id).first()
    if supplier is None:
        raise NotFound("not_found", f"no supplier {supplier_id}")
    return supplier
