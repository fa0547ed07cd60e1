"""Stock counts, suppliers and what they sell us: the kinds of file that keep the shop
supplied. Stock changes go through the inventory ledger (``stock_count``: a count-correction
movement with its event); suppliers and their items through the catalog's services."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.catalog import selectors as catalog_selectors
from soloops.catalog import services as catalog_services
from soloops.integrations.imports.entities import Entity, Field
from soloops.inventory import selectors as inventory_selectors
from soloops.inventory import services as inventory_services

# --- stock counts ---------------------------------------------------------------------------


class StockCounts(Entity):
    """One row per SKU: what was counted on the shelf (the default location). A count is never
    a new row: an unknown SKU is a bad row."""

    def existing(self, keys):
        return inventory_selectors.stock_for_skus(keys)

    def export_queryset(self):
        return inventory_selectors.stock_levels().filter(location__is_default=True)

    def is_new(self, obj) -> bool:
        return False

    def current(self, stock) -> dict:
        return {"sku": stock.variant.sku, "on_hand": stock.on_hand}

    def check(self, values, stock):
        if stock is None:
            return [("sku", _("no SKU %(sku)s in the catalog") % {"sku": repr(values["sku"])})]
        if values.get("on_hand") is None:
            return [("on_hand", _("must not be empty"))]
        return []

    def changes(self, values, stock):
        return {"on_hand": values["on_hand"]} if values["on_hand"] != stock.on_hand else {}

    def write(self, values, changes, stock, actor):
        inventory_services.stock_count(
            variant=stock.variant,
            counted=changes["on_hand"],
            actor=actor,
            reason=_("stock count import"),
        )


STOCK = StockCounts(
    name="stock",
    label=gettext_lazy("Stock counts"),
    key="sku",
    fields=[
        Field(
            "sku", gettext_lazy("SKU"), required=True, synonyms=("货号", "商品编码", "item code")
        ),
        Field(
            "on_hand",
            gettext_lazy("Counted"),
            "integer",
            required=True,
            synonyms=(
                "counted",
                "count",
                "quantity",
                "qty",
                "stock",
                "on hand",
                "库存",
                "数量",
                "盘点数量",
                "实盘数量",
            ),
        ),
    ],
)


# --- suppliers ------------------------------------------------------------------------------

SUPPLIER_WRITABLE = ("email", "lead_time_days", "min_order_quantity")


class Suppliers(Entity):
    def export_queryset(self):
        return catalog_selectors.suppliers_with_item_counts()

    def existing(self, keys):
        return catalog_selectors.suppliers_by_name(keys)

    def current(self, supplier) -> dict:
        return {
            "name": supplier.name,
            "email": supplier.email,
            "lead_time_days": supplier.lead_time_days,
            "min_order_quantity": supplier.min_order_quantity,
        }

    def check(self, values, supplier):
        if supplier is None and values.get("email") is None:
            return [("email", _("needed for a new supplier"))]
        if values.get("min_order_quantity") == 0:
            return [("min_order_quantity", _("must be at least 1"))]
        return []

    def changes(self, values, supplier):
        if supplier is None:
            return values
        now = self.current(supplier)
        return {k: v for k, v in values.items() if k != "name" and now[k] != v}

    def write(self, values, changes, supplier, actor):
        fields = {k: changes[k] for k in SUPPLIER_WRITABLE if k in changes}
        if supplier is None:
            catalog_services.supplier_create(name=values["name"], actor=actor, **fields)
        else:
            catalog_services.supplier_update(supplier=supplier, actor=actor, **fields)


SUPPLIERS = Suppliers(
    name="suppliers",
    label=gettext_lazy("Suppliers"),
    key="name",
    fields=[
        Field(
            "name",
            gettext_lazy("Supplier"),
            required=True,
            synonyms=("supplier", "supplier name", "vendor", "供应商", "供应商名称", "厂家"),
        ),
        Field(
            "email",
            gettext_lazy("Email"),
            "email",
            synonyms=("e-mail", "order email", "邮箱", "电子邮件"),
        ),
        Field(
            "lead_time_days",
            gettext_lazy("Lead time (days)"),
            "integer",
            synonyms=("lead time", "lead days", "delivery days", "交货期", "交货天数", "货期"),
        ),
        Field(
            "min_order_quantity",
            gettext_lazy("Minimum order quantity"),
            "integer",
            synonyms=("moq", "min order", "minimum order", "起订量", "最小起订量"),
        ),
    ],
)


# --- supplier items -------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What the shop has for a (supplier, SKU) row: the supplier, the variant, and the item
    if the supplier already sells it."""

    supplier: object
    variant: object
    item: object


class SupplierItems(Entity):
    @property
    def key_fields(self):
        return ("supplier", "sku")

    def key_of(self, values):
        return (values["supplier"], values["sku"])

    def existing(self, keys):
        suppliers = catalog_selectors.suppliers_by_name(sorted({k[0] for k in keys}))
        variants = catalog_selectors.variants_by_sku(sorted({k[1] for k in keys}))
        items = catalog_selectors.supplier_items_by_pair(keys)
        return {k: Offer(suppliers.get(k[0]), variants.get(k[1]), items.get(k)) for k in keys}

    def is_new(self, offer) -> bool:
        return offer is None or offer.item is None

    def current(self, item) -> dict:
        return {
            "supplier": item.supplier.name,
            "sku": item.variant.sku,
            "supplier_sku": item.supplier_sku,
            "unit_cost": item.unit_cost,
            "pack_size": item.pack_size,
        }

    def export_queryset(self):
        return catalog_selectors.supplier_items_all()

    def check(self, values, offer):
        problems = []
        if offer.supplier is None:
            problems.append(
                ("supplier", _("no supplier %(name)s") % {"name": repr(values["supplier"])})
            )
        if offer.variant is None:
            problems.append(
                ("sku", _("no SKU %(sku)s in the catalog") % {"sku": repr(values["sku"])})
            )
        if not problems and offer.item is None and values.get("unit_cost") is None:
            problems.append(("unit_cost", _("needed for a new supplier item")))
        if values.get("pack_size") == 0:
            problems.append(("pack_size", _("a pack holds at least 1 unit")))
        return problems

    def changes(self, values, offer):
        if offer.item is None:
            return values
        now = self.current(offer.item)
        return {k: v for k, v in values.items() if k not in {"supplier", "sku"} and now[k] != v}

    def write(self, values, changes, offer, actor):
        now = self.current(offer.item) if offer.item else {"supplier_sku": ""}
        catalog_services.supplier_item_set(
            supplier=offer.supplier,
            variant=offer.variant,
            supplier_sku=changes.get("supplier_sku", now["supplier_sku"]) or "",
            unit_cost=changes.get("unit_cost", now.get("unit_cost")),
            pack_size=changes.get("pack_size"),
            actor=actor,
        )


SUPPLIER_ITEMS = SupplierItems(
    name="supplier_items",
    label=gettext_lazy("Supplier items (costs)"),
    key="sku",
    fields=[
        Field(
            "supplier",
            gettext_lazy("Supplier"),
            required=True,
            synonyms=("supplier name", "vendor", "供应商", "供应商名称", "厂家"),
        ),
        Field("sku", gettext_lazy("SKU"), required=True, synonyms=("our sku", "货号", "商品编码")),
        Field(
            "supplier_sku",
            gettext_lazy("Supplier SKU"),
            synonyms=("supplier code", "vendor sku", "their sku", "供应商货号", "厂家货号"),
        ),
        Field(
            "unit_cost",
            gettext_lazy("Unit cost"),
            "decimal",
            synonyms=("cost", "unit cost", "purchase price", "buy price", "进价", "成本", "采购价"),
        ),
        Field(
            "pack_size",
            gettext_lazy("Pack size"),
            "integer",
            synonyms=(
                "pack",
                "case qty",
                "case quantity",
                "units per case",
                "units per pack",
                "inner pack",
                "箱规",
                "包装数量",
                "每箱数量",
                "装箱数",
            ),
        ),
    ],
)
