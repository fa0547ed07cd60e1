"""Every write on the catalog: products, variants, suppliers and supplier items.

Each create or update takes the changed fields as keyword arguments, validates them, saves
with ``update_fields`` and records one event with what changed.
"""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from soloops.accounts.actors import Actor
from soloops.catalog.errors import CatalogErrorCode as Code
from soloops.catalog.models import Product, Supplier, SupplierItem, Variant
from soloops.errors import ApplicationError, Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.shop.selectors import shop_currency

PRODUCT_FIELDS = {"name", "slug", "description", "active"}
VARIANT_FIELDS = {
    "sku",
    "name",
    "price",
    "weight_grams",
    "requires_shipping",
    "active",
    "low_stock_threshold",
}
SUPPLIER_FIELDS = {"name", "email", "lead_time_days", "min_order_quantity"}
PACK_SIZE_MAX = 100_000


def _jsonable(changes: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in changes.items()}


def _check_unique(model, field: str, value, code: str, exclude_pk=None) -> None:
    rows = model.objects.filter(**{field: value})
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise Conflict(code, f"{field} {value!r} is already used", field=field)


def _apply(obj, changes: dict, allowed: set[str]) -> list[str]:
    unknown = set(changes) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(Code.INVALID_VALUE, f"{name} cannot be changed here", field=name)
    changed = [k for k, v in changes.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, changes[k])
    return changed


def product_create(*, name: str, actor: Actor, slug: str = "", **fields) -> Product:
    slug = slug or slugify(name)
    if not name.strip() or not slug:
        raise InvalidInput(Code.INVALID_VALUE, "a product needs a name", field="name")
    with transaction.atomic():
        _check_unique(Product, "slug", slug, Code.DUPLICATE_SLUG)
        product = Product(name=name.strip(), slug=slug)
        _apply(product, fields, PRODUCT_FIELDS)
        product.save()
        event_emit(
            type="product.created",
            subject=product,
            payload={"name": product.name, "slug": slug},
            actor=actor,
        )
    return product


def product_catalog_create(*, product: dict, variants: list[dict], actor: Actor) -> Product:
    """A product with its variants, all or nothing."""
    with transaction.atomic():
        created = product_create(actor=actor, **product)
        for i, fields in enumerate(variants):
            try:
                variant_create(product=created, actor=actor, **fields)
            except ApplicationError as e:
                e.field = f"variants[{i}].{e.field}" if e.field else f"variants[{i}]"
                raise
    return created


def _check_name(changes: dict, what: str) -> None:
    # The same rule as on create: a name is stripped and must not end up empty.
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        if not changes["name"]:
            raise InvalidInput(Code.INVALID_VALUE, f"a {what} needs a name", field="name")


def product_update(*, product: Product, actor: Actor, **changes) -> Product:
    _check_name(changes, "product")
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if "slug" in changes:
            _check_unique(Product, "slug", changes["slug"], Code.DUPLICATE_SLUG, product.pk)
        changed = _apply(product, changes, PRODUCT_FIELDS)
        if changed:
            product.save(update_fields=[*changed, "updated_at"])
            event_emit(
                type="product.updated",
                subject=product,
                payload=_jsonable({k: changes[k] for k in changed}),
                actor=actor,
            )
    return product


def _check_variant_values(values: dict) -> None:
    if "price" in values and Decimal(values["price"]) < 0:
        raise InvalidInput(Code.INVALID_VALUE, "price cannot be negative", field="price")
    if "sku" in values and not str(values["sku"]).strip():
        raise InvalidInput(Code.INVALID_VALUE, "SKU must not be empty", field="sku")


# Called with the new variants inside the transaction that creates them (one, or a chunk of an
# import): how an app above (the inventory: each variant's stock row) takes part without this
# app importing it. Filled by their AppConfig.ready through ``variant_created_hook_add``.
_variant_created_hooks: list[Callable[..., object]] = []


def variant_created_hook_add(hook: Callable[..., object]) -> None:
    """Call ``hook(variants=[...])`` with new variants, in the transaction that creates them."""
    if hook not in _variant_created_hooks:
        _variant_created_hooks.append(hook)


def variant_create(
    *,
    product: Product,
    sku: str,
    price: Decimal,
    actor: Actor,
    currency: str | None = None,
    **fields,
) -> Variant:
    shop = shop_currency()
    currency = currency or shop
    if currency != shop:
        raise InvalidInput(
            Code.INVALID_CURRENCY,
            f"prices are in the shop currency {shop}",
            field="currency",
        )
    _check_variant_values({"sku": sku, "price": price})
    with transaction.atomic():
        _check_unique(Variant, "sku", sku.strip(), Code.DUPLICATE_SKU)
        variant = Variant(product=product, sku=sku.strip(), price=Decimal(price), currency=currency)
        _apply(variant, fields, VARIANT_FIELDS)
        variant.save()
        for hook in _variant_created_hooks:
            hook(variants=[variant])
        event_emit(
            type="variant.created",
            subject=variant,
            payload={"sku": variant.sku, "product_id": product.pk, "price": str(variant.price)},
            actor=actor,
        )
    return variant


def variant_update(*, variant: Variant, actor: Actor, **changes) -> Variant:
    _check_variant_values(changes)
    with transaction.atomic():
        variant = Variant.objects.select_for_update().get(pk=variant.pk)
        if "sku" in changes:
            _check_unique(Variant, "sku", changes["sku"], Code.DUPLICATE_SKU, variant.pk)
        changed = _apply(variant, changes, VARIANT_FIELDS)
        if changed:
            variant.save(update_fields=[*changed, "updated_at"])
            event_emit(
                type="variant.updated",
                subject=variant,
                payload=_jsonable({k: changes[k] for k in changed}),
                actor=actor,
            )
    return variant


def supplier_create(*, name: str, email: str, actor: Actor, **fields) -> Supplier:
    if not name.strip():
        raise InvalidInput(Code.INVALID_VALUE, "a supplier needs a name", field="name")
    with transaction.atomic():
        _check_unique(Supplier, "name", name.strip(), Code.DUPLICATE_NAME)
        supplier = Supplier(name=name.strip(), email=email)
        _apply(supplier, fields, SUPPLIER_FIELDS)
        supplier.save()
        event_emit(
            type="supplier.created",
            subject=supplier,
            payload={"name": supplier.name, "email": email},
            actor=actor,
        )
    return supplier


def supplier_update(*, supplier: Supplier, actor: Actor, **changes) -> Supplier:
    _check_name(changes, "supplier")
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        if "name" in changes:
            _check_unique(Supplier, "name", changes["name"], Code.DUPLICATE_NAME, supplier.pk)
        changed = _apply(supplier, changes, SUPPLIER_FIELDS)
        if changed:
            supplier.save(update_fields=[*changed, "updated_at"])
            event_emit(
                type="supplier.updated",
                subject=supplier,
                payload=_jsonable({k: changes[k] for k in changed}),
                actor=actor,
            )
    return supplier


def supplier_item_set(
    *,
    supplier: Supplier,
    variant: Variant,
    supplier_sku: str,
    unit_cost: Decimal,
    actor: Actor,
    pack_size: int | None = None,
) -> SupplierItem:
    """What the supplier sells us for this variant (created or updated); ``pack_size`` None
    keeps the item's (1 for a new one)."""
    if Decimal(unit_cost) < 0:
        raise InvalidInput(Code.INVALID_VALUE, "unit cost cannot be negative", field="unit_cost")
    if pack_size is not None and not 1 <= pack_size <= PACK_SIZE_MAX:
        raise InvalidInput(
            Code.INVALID_VALUE, f"pack size is 1 to {PACK_SIZE_MAX}", field="pack_size"
        )
    defaults = {
        "supplier_sku": supplier_sku,
        "unit_cost": Decimal(unit_cost),
        "currency": shop_currency(),
    }
    if pack_size is not None:
        defaults["pack_size"] = pack_size
    with transaction.atomic():
        item, _ = SupplierItem.objects.update_or_create(
            supplier=supplier, variant=variant, defaults=defaults
        )
        event_emit(
            type="supplier.updated",
            subject=supplier,
            payload={
                "item": {
                    "sku": variant.sku,
                    "supplier_sku": supplier_sku,
                    "unit_cost": str(unit_cost),
                    "pack_size": item.pack_size,
                }
            },
            actor=actor,
        )
    return item


# Many rows at once (imports); imported last, since it uses the checks above.
from soloops.catalog.services.bulk import NewVariant as NewVariant  # noqa: E402
from soloops.catalog.services.bulk import variants_create_many as variants_create_many  # noqa: E402
