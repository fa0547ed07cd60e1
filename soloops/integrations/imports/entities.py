"""The kinds of things an import file holds, each with its fields (and the header names that
mean them), its natural key, how a row is compared with what the shop has, and how it is
written — always through the owning app's services, which record the events.

An empty cell means "keep what the shop has" (or the default, for a new row).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.accounts.actors import Actor
from soloops.catalog import selectors as catalog_selectors
from soloops.catalog import services as catalog_services
from soloops.customers import selectors as customer_selectors
from soloops.customers import services as customer_services
from soloops.integrations.imports.cleaning import CellError, Cleaner

INT_MAX = 2_147_483_647
ADDRESS_PARTS = ("line1", "city", "postal_code", "country", "phone")


@dataclass(frozen=True)
class Field:
    name: str
    label: object  # lazy translation
    kind: str = "text"  # text, email, decimal, integer, boolean, country, phone, tags
    required: bool = False
    synonyms: tuple[str, ...] = ()


@dataclass
class Entity:
    name: str
    label: object
    fields: list[Field]
    key: str
    # True: the runner hands a chunk's good rows to ``write_many`` at once (bulk INSERTs).
    batch: bool = False
    _fields: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._fields = {f.name: f for f in self.fields}

    def field(self, name: str) -> Field:
        return self._fields[name]

    @property
    def key_fields(self) -> tuple[str, ...]:
        return (self.key,)

    def key_of(self, values: dict):
        """The row's natural key (a tuple for a key of two fields)."""
        return values[self.key]

    def is_new(self, obj) -> bool:
        return obj is None

    def complete(self, values: dict) -> dict:
        """Values the row implies (a key made from its content), after cleaning."""
        return values

    # Each entity below fills these in.
    def existing(self, keys: list) -> dict:
        """What the shop has for these keys, by key, in one or two queries."""
        raise NotImplementedError

    def changes(self, values: dict, obj) -> dict:
        raise NotImplementedError

    def current(self, obj) -> dict:
        raise NotImplementedError

    def check(self, values: dict, obj) -> list[tuple[str, str]]:
        """Rules across the row's fields: (field, message) for each broken one."""
        return []

    def write(self, values: dict, changes: dict, obj, actor: Actor) -> None:
        raise NotImplementedError

    def write_many(self, rows: list[tuple[dict, dict, object]], actor: Actor) -> None:
        """(values, changes, obj) of many good rows; only for ``batch`` entities."""
        raise NotImplementedError

    def export_queryset(self):
        """Every row the shop has of this kind, for an export."""
        raise NotImplementedError

    def export_row(self, obj) -> dict:
        """A row as the import reads it back: field name → value."""
        return self.current(obj)


def clean_cell(cleaner: Cleaner, spec: Field, value, row: dict):
    """The clean value of one cell (``None`` for an empty cell); raises ``CellError``."""
    kind = spec.kind
    if kind == "email":
        return cleaner.email(value) or None
    if kind == "decimal":
        number = cleaner.decimal_value(value)
        if number is not None and (number < 0 or number >= Decimal("1e10")):
            raise CellError(_("%(value)s is out of range") % {"value": repr(str(value))})
        return None if number is None else number.quantize(Decimal("0.01"))
    if kind == "integer":
        number = cleaner.integer(value)
        if number is not None and not 0 <= number <= INT_MAX:
            raise CellError(_("%(value)s is out of range") % {"value": repr(str(value))})
        return number
    if kind == "boolean":
        return cleaner.boolean(value)
    if kind == "country":
        return cleaner.country(value) or None
    if kind == "phone":
        return cleaner.phone(value, country=row.get("country") or "") or None
    if kind == "tags":
        return _tags(cleaner.text(value))
    if kind == "date":
        return cleaner.date_value(value)
    return cleaner.text(value) or None


def _tags(text: str) -> list[str] | None:
    from soloops.customers.services import TAG

    tags = sorted({t.strip().lower() for t in text.replace(";", ",").split(",") if t.strip()})
    for tag in tags:
        if not TAG.fullmatch(tag):
            raise CellError(
                _("%(value)s is not a tag (letters, digits, - and _)") % {"value": repr(tag)}
            )
    return tags or None


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
