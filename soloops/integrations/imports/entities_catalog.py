"""Products (one row per variant, keyed on SKU) and customers (keyed on email), through the
catalog's and the customers' services."""

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.catalog import selectors as catalog_selectors
from soloops.catalog import services as catalog_services
from soloops.customers import selectors as customer_selectors
from soloops.customers import services as customer_services
from soloops.integrations.imports.entities import Entity, Field

ADDRESS_PARTS = ("line1", "city", "postal_code", "country", "phone")

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


# --- customers -----------------------------------------------------------------------------------


class Customers(Entity):
    def export_queryset(self):
        return customer_selectors.customers_all()

    def export_row(self, customer) -> dict:
        row = self.current(customer)
        row["tags"] = ", ".join(row["tags"])
        return row

    def existing(self, keys):
        return customer_selectors.customers_by_email(keys)

    def current(self, customer) -> dict:
        address = customer.shipping_address or {}
        return {
            "email": customer.email,
            "name": customer.name,
            "language": customer.language,
            "tags": sorted(customer.tags),
            **{part: address.get(part, "") for part in ADDRESS_PARTS},
        }

    def changes(self, values: dict, obj) -> dict:
        if obj is None:
            return values
        now = self.current(obj)
        found = {k: v for k, v in values.items() if k not in {"email", "tags"} and now[k] != v}
        # Tags in the file are added; tags the shop (or a flow) gave stay.
        new_tags = sorted(set(values.get("tags") or []) - set(now["tags"]))
        if new_tags:
            found["tags"] = new_tags
        return found

    def write(self, values, changes, customer, actor):
        fields = {k: changes[k] for k in ("name", "language") if k in changes}
        if customer is None or any(part in changes for part in ADDRESS_PARTS):
            address = dict(customer.shipping_address) if customer else {}
            address.update({p: changes[p] for p in ADDRESS_PARTS if p in changes})
            if address:
                fields["shipping_address"] = address
        customer, _changed = customer_services.customer_upsert(
            email=values["email"], actor=actor, **fields
        )
        for tag in changes.get("tags") or []:
            customer_services.customer_tag(customer=customer, tag=tag, actor=actor)


CUSTOMERS = Customers(
    name="customers",
    label=gettext_lazy("Customers"),
    key="email",
    fields=[
        Field(
            "email",
            gettext_lazy("Email"),
            "email",
            required=True,
            synonyms=("e-mail", "email address", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件"),
        ),
        Field(
            "name",
            gettext_lazy("Name"),
            synonyms=("full name", "customer", "customer name", "姓名", "名字", "客户", "客户名称"),
        ),
        Field("language", gettext_lazy("Language"), synonyms=("lang", "locale", "语言")),
        Field(
            "country",
            gettext_lazy("Country"),
            "country",
            synonyms=("country code", "nation", "国家", "国家/地区", "地区"),
        ),
        Field(
            "phone",
            gettext_lazy("Phone"),
            "phone",
            synonyms=(
                "telephone",
                "tel",
                "mobile",
                "phone number",
                "电话",
                "手机",
                "手机号",
                "联系电话",
            ),
        ),
        Field(
            "line1",
            gettext_lazy("Address"),
            synonyms=("address", "street", "address line 1", "地址", "街道", "详细地址"),
        ),
        Field("city", gettext_lazy("City"), synonyms=("town", "城市", "市")),
        Field(
            "postal_code",
            gettext_lazy("Postal code"),
            synonyms=("zip", "zip code", "postcode", "邮编", "邮政编码"),
        ),
        Field("tags", gettext_lazy("Tags"), "tags", synonyms=("tag", "labels", "标签")),
    ],
)
