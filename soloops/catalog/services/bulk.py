"""Many new variants at once (a chunk of a product import): the products they name found or
created, the variants inserted, each one's ``product.created`` / ``variant.created`` event
recorded, in a handful of statements instead of a dozen per row.

The same checks as ``product_create`` / ``variant_create``; the first broken one raises and the
caller's savepoint undoes the whole chunk (the import then writes that chunk row by row to find
the row at fault).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_rows
from soloops.catalog import selectors
from soloops.catalog.errors import CatalogErrorCode as Code
from soloops.catalog.models import Product, Variant
from soloops.catalog.services import VARIANT_FIELDS, _check_variant_values, _variant_created_hooks
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import EventSpec, events_emit
from soloops.shop.selectors import shop_currency

SLUG_MAX = 200


@dataclass
class NewVariant:
    """One row: the variant's SKU and price, the product it belongs to (by name; created with
    ``description`` when the shop has none of that name), and any other variant fields."""

    sku: str
    price: Decimal
    product: str
    description: str = ""
    fields: dict = field(default_factory=dict)


def variants_create_many(*, rows: list[NewVariant], actor: Actor) -> list[Variant]:
    """Create the variants (and the products they name); returns them in row order."""
    currency = shop_currency()
    extra = sorted({name for row in rows for name in row.fields})
    for name in extra:
        if name not in VARIANT_FIELDS or name in {"sku", "price"}:
            raise InvalidInput(Code.INVALID_VALUE, f"{name} cannot be set here", field=name)
    skus = [row.sku.strip() for row in rows]
    for row, sku in zip(rows, skus, strict=True):
        _check_variant_values({"sku": sku, "price": row.price})
    with transaction.atomic():
        taken = set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
        if taken or len(set(skus)) != len(skus):
            sku = next(iter(taken)) if taken else next(s for s in skus if skus.count(s) > 1)
            raise Conflict(Code.DUPLICATE_SKU, f"sku {sku!r} is already used", field="sku")
        products = _products_for(rows, actor)
        defaults = {name: Variant._meta.get_field(name).get_default() for name in extra}
        ids = insert_rows(
            Variant,
            ("product_id", "sku", "price", "currency", *extra),
            [
                (products[row.product].pk, sku, Decimal(row.price), currency,
                 *[row.fields.get(name, defaults[name]) for name in extra])
                for row, sku in zip(rows, skus, strict=True)
            ],
            return_ids=True,
        )  # fmt: skip
        by_id = {v.pk: v for v in Variant.objects.filter(pk__in=ids)}
        variants = [by_id[pk] for pk in ids]
        for hook in _variant_created_hooks:
            hook(variants=variants)
        events_emit(
            specs=[
                EventSpec(
                    "variant.created",
                    ("catalog.variant", v.pk),
                    {"sku": v.sku, "product_id": v.product_id, "price": str(v.price)},
                )
                for v in variants
            ],
            actor=actor,
        )
    return variants


def _products_for(rows: list[NewVariant], actor: Actor) -> dict[str, Product]:
    """The products the rows name, by name: the shop's, or new ones with unique slugs."""
    names = list(dict.fromkeys(row.product.strip() for row in rows))
    if not all(names):
        raise InvalidInput(Code.INVALID_VALUE, "a product needs a name", field="product")
    found = selectors.products_by_name(names)
    first_row = {}
    for row in rows:
        first_row.setdefault(row.product.strip(), row)
    new = [name for name in names if name not in found]
    if not new:
        return found
    wanted = {}
    for name in new:
        slug = slugify(name) or slugify(first_row[name].sku) or "product"
        wanted[name] = [slug, f"{slug}-{slugify(first_row[name].sku)}"[:SLUG_MAX]]
    candidates = [slug for pair in wanted.values() for slug in pair]
    used = set(Product.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    slugs = {}
    for name in new:
        slug = next((s for s in wanted[name] if s not in used), None)
        if slug is None:
            message = f"slug {wanted[name][0]!r} is already used"
            raise Conflict(Code.DUPLICATE_SLUG, message, field="slug")
        used.add(slug)
        slugs[name] = slug
    ids = insert_rows(
        Product,
        ("name", "slug", "description"),
        [(name, slugs[name], first_row[name].description or "") for name in new],
        return_ids=True,
    )
    events_emit(
        specs=[
            EventSpec("product.created", ("catalog.product", pk), {"name": n, "slug": slugs[n]})
            for n, pk in zip(new, ids, strict=True)
        ],
        actor=actor,
    )
    return found | {p.name: p for p in Product.objects.filter(pk__in=ids)}
