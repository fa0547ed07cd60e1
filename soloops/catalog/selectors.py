from django.db.models import Count, Prefetch, Q, QuerySet

from soloops.catalog.models import Product, Supplier, SupplierItem, Variant
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


# --- the console's lists ----------------------------------------------------------------------


def variants_list(*, q: str | None = None, active: bool | None = None) -> QuerySet[Variant]:
    """Every SKU with its product, by product name then SKU. ``q`` matches part of the SKU, the
    product's or the variant's name; ``active`` True keeps SKUs on sale (variant and product
    active), False the others."""
    variants = Variant.objects.select_related("product")
    if q:
        variants = variants.filter(
            Q(sku__icontains=q) | Q(product__name__icontains=q) | Q(name__icontains=q)
        )
    if active is True:
        variants = variants.filter(active=True, product__active=True)
    elif active is False:
        variants = variants.filter(Q(active=False) | Q(product__active=False))
    return variants.order_by("product__name", "sku", "id")


def supplier_items_for(*, variant) -> QuerySet[SupplierItem]:
    """Who sells us this SKU, cheapest first, with the supplier loaded."""
    return (
        SupplierItem.objects.filter(variant=variant)
        .select_related("supplier")
        .order_by("unit_cost", "supplier__name")
    )


def suppliers_with_item_counts() -> QuerySet[Supplier]:
    """Suppliers by name, each with ``item_count`` (how many SKUs it sells us), one query."""
    return Supplier.objects.annotate(item_count=Count("items")).order_by("name", "id")


def supplier_with_items(*, supplier_id: int) -> Supplier:
    """One supplier with its items, their variants and products loaded (two queries)."""
    supplier = (
        Supplier.objects.prefetch_related(
            Prefetch(
                "items",
                queryset=SupplierItem.objects.select_related("variant__product").order_by(
                    "variant__sku"
                ),
            )
        )
        .filter(pk=supplier_id)
        .first()
    )
    if supplier is None:
        raise NotFound("not_found", f"no supplier {supplier_id}")
    return supplier


def prices_in_currency_exist(*, currency: str) -> bool:
    """Whether any variant or supplier price is in ``currency``."""
    return (
        Variant.objects.filter(currency=currency).exists()
        or SupplierItem.objects.filter(currency=currency).exists()
    )


def supplier_choices() -> list[tuple[int, str]]:
    """(id, name) of every supplier by name, for a filter's choices."""
    return list(Supplier.objects.order_by("name", "id").values_list("id", "name"))


# --- imports: many rows at once ---------------------------------------------------------------


def variants_by_sku(skus: list[str]) -> dict[str, Variant]:
    """The variants with these SKUs (with their product), by SKU: one query for a whole chunk
    of an import file."""
    return {v.sku: v for v in Variant.objects.select_related("product").filter(sku__in=skus)}


def products_by_name(names: list[str]) -> dict[str, Product]:
    """Products with these exact names, by name (the oldest when two share a name)."""
    found: dict[str, Product] = {}
    for product in Product.objects.filter(name__in=names).order_by("id"):
        found.setdefault(product.name, product)
    return found


def product_slug_taken(slug: str) -> bool:
    return Product.objects.filter(slug=slug).exists()


def suppliers_by_name(names: list[str]) -> dict[str, Supplier]:
    return {s.name: s for s in Supplier.objects.filter(name__in=names)}


def supplier_items_by_pair(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], SupplierItem]:
    """Supplier items by (supplier name, SKU), with supplier and variant: one query."""
    suppliers = {p[0] for p in pairs}
    skus = {p[1] for p in pairs}
    items = SupplierItem.objects.select_related("supplier", "variant").filter(
        supplier__name__in=suppliers, variant__sku__in=skus
    )
    wanted = set(pairs)
    return {
        (i.supplier.name, i.variant.sku): i
        for i in items
        if (i.supplier.name, i.variant.sku) in wanted
    }


def supplier_items_all() -> QuerySet[SupplierItem]:
    """Every supplier item with its supplier and variant (an export)."""
    return SupplierItem.objects.select_related("supplier", "variant").order_by(
        "supplier__name", "variant__sku"
    )
