"""Products: one row per variant, keyed on SKU, through the catalog's services (new SKUs of a
chunk in one go)."""

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.catalog import selectors as catalog_selectors
from soloops.catalog import services as catalog_services
from soloops.integrations.imports.entities import Entity, Field

# --- products and variants ---------------------------------------------------------------------

VARIANT_WRITABLE = (
    "name",
    "price",
    "weight_grams",
    "low_stock_threshold",
    "active",
    "requires_shipping",
)


class Products(Entity):
    def export_queryset(self):
        return catalog_selectors.variants_list()

    def existing(self, keys):
        return catalog_selectors.variants_by_sku(keys)

    def current(self, variant) -> dict:
        return {
            "sku": variant.sku,
            "product": variant.product.name,
            "name": variant.name,
            "price": variant.price,
            "weight_grams": variant.weight_grams,
            "low_stock_threshold": variant.low_stock_threshold,
            "active": variant.active,
            "requires_shipping": variant.requires_shipping,
            "description": variant.product.description,
        }

    def check(self, values, obj):
        if obj is not None:
            return []
        return [
            (name, _("needed for a new SKU"))
            for name in ("product", "price")
            if values.get(name) is None
        ]

    def changes(self, values: dict, obj) -> dict:
        if obj is None:
            return values
        now = self.current(obj)
        # The product column names the product of a new SKU; it does not move an existing one.
        return {k: v for k, v in values.items() if k not in {"sku", "product"} and now[k] != v}

    def write(self, values, changes, variant, actor):
        fields = {k: changes[k] for k in VARIANT_WRITABLE if k in changes}
        if variant is None:
            product = self._product(values, actor)
            price = fields.pop("price")
            catalog_services.variant_create(
                product=product, sku=values["sku"], price=price, actor=actor, **fields
            )
            return
        if fields:
            catalog_services.variant_update(variant=variant, actor=actor, **fields)
        if "description" in changes:
            catalog_services.product_update(
                product=variant.product, actor=actor, description=changes["description"]
            )

    def write_many(self, rows, actor):
        """New SKUs of the chunk in one go (``variants_create_many``); changed ones one by one."""
        new = []
        for values, changes, variant in rows:
            if variant is not None:
                self.write(values, changes, variant, actor)
                continue
            fields = {k: changes[k] for k in VARIANT_WRITABLE if k in changes and k != "price"}
            new.append(
                catalog_services.NewVariant(
                    sku=values["sku"], price=values["price"], product=values["product"],
                    description=values.get("description") or "", fields=fields,
                )
            )  # fmt: skip
        if new:
            catalog_services.variants_create_many(rows=new, actor=actor)

    def _product(self, values, actor):
        name = values["product"]
        product = catalog_selectors.products_by_name([name]).get(name)
        if product is not None:
            return product
        slug = slugify(name) or slugify(values["sku"]) or "product"
        if catalog_selectors.product_slug_taken(slug):
            slug = f"{slug}-{slugify(values['sku'])}"[:200]
        return catalog_services.product_create(
            name=name, slug=slug, description=values.get("description") or "", actor=actor
        )


PRODUCTS = Products(
    name="products",
    label=gettext_lazy("Products and variants"),
    key="sku",
    batch=True,
    fields=[
        Field(
            "sku",
            gettext_lazy("SKU"),
            required=True,
            synonyms=(
                "货号",
                "商品编码",
                "编码",
                "SKU code",
                "item code",
                "article number",
                "款号",
            ),
        ),
        Field(
            "product",
            gettext_lazy("Product"),
            synonyms=("product name", "title", "商品名称", "商品", "品名", "产品", "产品名称"),
        ),
        Field(
            "name",
            gettext_lazy("Variant"),
            synonyms=("variant", "variant name", "option", "规格", "款式", "型号"),
        ),
        Field(
            "price",
            gettext_lazy("Price"),
            "decimal",
            synonyms=("unit price", "sale price", "单价", "价格", "售价", "零售价"),
        ),
        Field(
            "weight_grams",
            gettext_lazy("Weight (g)"),
            "integer",
            synonyms=("weight", "grams", "weight g", "重量", "重量(克)", "重量g", "克重"),
        ),
        Field(
            "low_stock_threshold",
            gettext_lazy("Low-stock threshold"),
            "integer",
            synonyms=(
                "threshold",
                "reorder level",
                "low stock",
                "库存预警",
                "安全库存",
                "预警库存",
            ),
        ),
        Field(
            "active",
            gettext_lazy("On sale"),
            "boolean",
            synonyms=("enabled", "on sale", "published", "上架", "启用", "在售"),
        ),
        Field(
            "requires_shipping",
            gettext_lazy("Requires shipping"),
            "boolean",
            synonyms=("shipping", "physical", "需要配送", "需要发货", "实物"),
        ),
        Field(
            "description",
            gettext_lazy("Description"),
            synonyms=("details", "描述", "说明", "商品描述"),
        ),
    ],
)
