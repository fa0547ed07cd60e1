"""What is exported but never imported: the order lines and the stock ledger (records of what
happened, written by the shop itself). Same writers as the import kinds (exporting.py)."""

from django.utils.translation import gettext_lazy

from soloops.integrations.imports.entities import Entity, Field
from soloops.inventory import selectors as inventory_selectors
from soloops.orders import selectors as order_selectors


class OrderLines(Entity):
    def export_queryset(self):
        return order_selectors.order_lines_all()

    def export_row(self, line) -> dict:
        order = line.order
        return {
            "number": order.number,
            "placed_at": order.placed_at.isoformat(),
            "channel": order.channel,
            "status": order.status,
            "email": order.email,
            "sku": line.sku,
            "title": line.title,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "line_total": line.line_total,
            "currency": order.currency,
        }


class Ledger(Entity):
    def export_queryset(self):
        return inventory_selectors.movements_all()

    def export_row(self, movement) -> dict:
        return {
            "id": movement.pk,
            "at": movement.created_at.isoformat(),
            "sku": movement.variant.sku,
            "location": movement.location.code,
            "kind": movement.kind,
            "quantity": movement.quantity,
            "balance_after": movement.balance_after,
            "reason": movement.reason,
            "reference": f"{movement.reference_type}:{movement.reference_id}".strip(":"),
            "actor": movement.actor_label or movement.actor_kind,
        }


def _fields(*names: str) -> list[Field]:
    return [Field(name, name) for name in names]


ORDER_LINES = OrderLines(
    name="order_lines",
    label=gettext_lazy("Order lines"),
    key="number",
    fields=_fields(
        "number",
        "placed_at",
        "channel",
        "status",
        "email",
        "sku",
        "title",
        "quantity",
        "unit_price",
        "line_total",
        "currency",
    ),
)
STOCK_LEDGER = Ledger(
    name="stock_ledger",
    label=gettext_lazy("Stock ledger"),
    key="id",
    fields=_fields(
        "id",
        "at",
        "sku",
        "location",
        "kind",
        "quantity",
        "balance_after",
        "reason",
        "reference",
        "actor",
    ),
)
