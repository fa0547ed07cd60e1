"""The form that edits a purchase order draft's lines in the console: each line's quantity
(0 removes it) and unit cost, and one new SKU to add. The same service as the API's
``PATCH /api/purchase-orders/{number}/lines`` checks and writes it, all or nothing."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.purchasing.services import LineChange

QUANTITY_MAX = 1_000_000

# The service's refusals in the owner's language (codes of purchasing.errors), formatted
# with the error's ``extra``; one the map cannot format keeps the service's own sentence.
LINES_MESSAGES = {
    "unknown_sku": _("There is no SKU with this code."),
    "not_sold_by_supplier": _(
        "This supplier does not sell that SKU; add it to the supplier first."
    ),
    "invalid_quantity": _("The supplier takes at least %(min_order_quantity)s per line."),
}


def quantity_field(line) -> str:
    return f"quantity_{line.pk}"


def cost_field(line) -> str:
    return f"cost_{line.pk}"


class DraftLinesForm(forms.Form):
    add_sku = forms.CharField(
        label=_("Add a SKU"),
        required=False,
        max_length=64,
        help_text=_("At the supplier's cost; leave empty to add nothing."),
    )
    add_quantity = forms.IntegerField(
        label=_("Quantity to add"), required=False, min_value=1, max_value=QUANTITY_MAX
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[quantity_field(line)] = forms.IntegerField(
                label=_("%(sku)s quantity") % {"sku": line.sku},
                min_value=0,
                max_value=QUANTITY_MAX,
                initial=line.quantity_ordered,
                help_text=_("0 removes the line"),
            )
            self.fields[cost_field(line)] = forms.DecimalField(
                label=_("%(sku)s unit cost") % {"sku": line.sku},
                min_value=Decimal(0),
                max_digits=12,
                decimal_places=2,
                initial=line.unit_cost,
            )

    def clean(self):
        data = super().clean()
        sku = (data.get("add_sku") or "").strip()
        if sku and not data.get("add_quantity") and "add_quantity" not in self.errors:
            self.add_error("add_quantity", _("Say how many to order."))
        if data.get("add_quantity") and not sku and "add_sku" not in self.errors:
            self.add_error("add_sku", _("Say which SKU to add."))
        return data

    def changes(self) -> tuple[list[LineChange], dict[str, str]]:
        """The service's line changes, and which form field each of its ``lines[i].<name>``
        error fields means."""
        data = self.cleaned_data
        changes, fields = [], {}
        for line in self.lines:
            i = len(changes)
            changes.append(
                LineChange(
                    sku=line.sku,
                    quantity=data[quantity_field(line)],
                    unit_cost=data[cost_field(line)],
                )
            )
            fields[f"lines[{i}].quantity"] = quantity_field(line)
            fields[f"lines[{i}].unit_cost"] = cost_field(line)
            fields[f"lines[{i}].sku"] = quantity_field(line)
        sku = (data.get("add_sku") or "").strip()
        if sku:
            i = len(changes)
            changes.append(LineChange(sku=sku, quantity=data["add_quantity"]))
            fields[f"lines[{i}].sku"] = "add_sku"
            fields[f"lines[{i}].quantity"] = "add_quantity"
        return changes, fields
