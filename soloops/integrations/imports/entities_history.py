"""Past orders from another platform, imported as history (issue #16 §2): one row per order,
keeping its number, date, status and total; the customer found by email, then by external
customer id ("customer id", "客户编号"), or created — with only an id, at a placeholder address
that is never emailed. Through ``order_import_history``: no stock reserved or moved, no
payment, no email, no flow.

A row without an order number gets one made from its content (``H-`` and a hash of email or
customer id, date, total, SKU and quantity), so importing the same file again finds the same
orders.
An order already in the shop with the same values is unchanged; with other values it is a bad
row (history is not rewritten silently).
"""

import hashlib
from datetime import datetime, time

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.catalog import selectors as catalog_selectors
from soloops.integrations.imports.entities import Entity, Field
from soloops.integrations.imports.entities_customers import EXTERNAL_ID, EXTERNAL_ID_MAX
from soloops.orders import selectors as order_selectors
from soloops.orders import services as order_services
from soloops.shop.selectors import shop_currency, shop_zone

# What other platforms call the states a past order can be in → ours.
STATUS_WORDS = {
    "completed": "completed", "complete": "completed", "fulfilled": "completed",
    "closed": "completed", "done": "completed", "已完成": "completed", "完成": "completed",
    "交易成功": "completed",
    "delivered": "delivered", "已送达": "delivered", "已签收": "delivered",
    "shipped": "shipped", "已发货": "shipped",
    "paid": "paid", "已付款": "paid", "已支付": "paid",
    "cancelled": "cancelled", "canceled": "cancelled", "refunded": "cancelled",
    "voided": "cancelled", "已取消": "cancelled", "已退款": "cancelled", "交易关闭": "cancelled",
}  # fmt: skip
NUMBER_MAX = 20


class History(Entity):
    def complete(self, values: dict) -> dict:
        who = values.get("email") or (
            "id:" + values["external_id"] if values.get("external_id") else ""
        )  # none: ``check`` rejects the row, naming the email column
        if values.get("number") is None and all(
            values.get(k) is not None for k in ("date", "total")
        ):
            # The email as before, so a file imported before customer ids existed finds its
            # orders again.
            content = "|".join(
                [who, *(str(values.get(k) or "") for k in ("date", "total", "sku", "quantity"))]
            )
            values["number"] = "H-" + hashlib.sha256(content.encode()).hexdigest()[:12].upper()
        return values

    def existing(self, keys):
        return order_selectors.orders_by_number(keys)

    def _status(self, values) -> str | None:
        word = str(values.get("status") or "completed").strip().casefold()
        return STATUS_WORDS.get(word)

    def placed_at(self, values, zone=None) -> datetime:
        return datetime.combine(values["date"], time(12), tzinfo=zone or shop_zone())

    def check(self, values, order):
        if not values.get("email") and not values.get("external_id"):
            return [("email", _("must not be empty (or give a customer id)"))]
        problems = []
        if len(values.get("external_id") or "") > EXTERNAL_ID_MAX:
            problems.append(("external_id", _("a customer id has at most 100 characters")))
        if len(values["number"]) > NUMBER_MAX:
            problems.append(("number", _("an order number has at most 20 characters")))
        if self._status(values) is None:
            problems.append(("status", _("%(value)s is not a status a past order can have")
                             % {"value": repr(values.get("status"))}))  # fmt: skip
        currency = (values.get("currency") or "EUR").upper()  # the shop's is valid
        if len(currency) != 3 or not currency.isalpha():
            problems.append(("currency", _("%(value)s is not a currency code")
                             % {"value": repr(values.get("currency"))}))  # fmt: skip
        if problems or order is None:
            return problems
        if values.get("email"):
            same_customer = order.email == values["email"]
        else:  # whatever address the customer has now, the id is theirs
            same_customer = getattr(order.customer, "external_id", None) == values["external_id"]
        same = (
            same_customer
            and order.total == values["total"]
            and order.placed_at.astimezone(shop_zone()).date() == values["date"]
            and order.status == self._status(values)
        )
        if not same:
            return [("number", _("order %(number)s is already in the shop, with other values")
                     % {"number": values["number"]})]  # fmt: skip
        return []

    def changes(self, values, order):
        return values if order is None else {}

    def _order(self, values, variants: dict, shop: tuple) -> "order_services.HistoryOrder":
        currency, zone = shop
        sku = values.get("sku") or ""
        variant = variants.get(sku)
        line = order_services.HistoryLine(
            sku=sku,
            title=values.get("title") or (variant.title if variant else sku),
            quantity=values.get("quantity") or 1,
            line_total=values["total"],
            variant=variant,
        )
        return order_services.HistoryOrder(
            number=values["number"],
            email=values.get("email") or "",
            external_id=values.get("external_id") or "",
            name=values.get("name") or "",
            placed_at=self.placed_at(values, zone),
            status=self._status(values),
            total=values["total"],
            currency=(values.get("currency") or currency).upper(),
            lines=[line],
        )

    def write(self, values, changes, order, actor):
        sku = values.get("sku") or ""
        variants = catalog_selectors.variants_by_sku([sku]) if sku else {}
        o = self._order(values, variants, (shop_currency(), shop_zone()))
        order_services.order_import_history(
            number=o.number, email=o.email, name=o.name, placed_at=o.placed_at, status=o.status,
            total=o.total, currency=o.currency, lines=o.lines, actor=actor,
            external_id=o.external_id,
        )  # fmt: skip

    def write_many(self, rows, actor):
        skus = sorted({v["sku"] for v, _c, _o in rows if v.get("sku")})
        variants = catalog_selectors.variants_by_sku(skus) if skus else {}
        shop = (shop_currency(), shop_zone())  # once a chunk: each is a cache read
        order_services.orders_import_history(
            orders=[self._order(values, variants, shop) for values, _c, _o in rows], actor=actor
        )


ORDERS = History(
    name="orders",
    label=gettext_lazy("Past orders (history)"),
    key="number",
    batch=True,
    fields=[
        Field(
            "number",
            gettext_lazy("Order number"),
            synonyms=(
                "order",
                "order number",
                "order no",
                "order id",
                "name",
                "订单号",
                "订单编号",
            ),
        ),
        Field(
            "email",
            gettext_lazy("Email"),
            "email",
            synonyms=("customer email", "e-mail", "邮箱", "买家邮箱", "客户邮箱"),
        ),
        EXTERNAL_ID,
        Field(
            "name",
            gettext_lazy("Customer"),
            synonyms=("customer", "customer name", "billing name", "买家", "客户", "收货人"),
        ),
        Field(
            "date",
            gettext_lazy("Date"),
            "date",
            required=True,
            synonyms=(
                "created at",
                "order date",
                "placed at",
                "paid at",
                "日期",
                "下单时间",
                "订单日期",
                "创建时间",
            ),
        ),
        Field(
            "total",
            gettext_lazy("Total"),
            "decimal",
            required=True,
            synonyms=(
                "amount",
                "order total",
                "grand total",
                "总额",
                "金额",
                "实付金额",
                "订单金额",
            ),
        ),
        Field("currency", gettext_lazy("Currency"), synonyms=("币种", "货币")),
        Field(
            "status",
            gettext_lazy("Status"),
            synonyms=("financial status", "fulfillment status", "order status", "状态", "订单状态"),
        ),
        Field("sku", gettext_lazy("SKU"), synonyms=("lineitem sku", "item sku", "货号")),
        Field(
            "title",
            gettext_lazy("Item"),
            synonyms=("lineitem name", "product", "item name", "商品", "商品名称"),
        ),
        Field(
            "quantity",
            gettext_lazy("Quantity"),
            "integer",
            synonyms=("qty", "lineitem quantity", "数量", "购买数量"),
        ),
    ],
)
