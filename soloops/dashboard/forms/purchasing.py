"""Forms of the purchase orders section: the list's filters, receiving goods, cancelling."""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.purchasing.selectors import PURCHASE_ORDER_STATUSES


class PurchaseOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *PURCHASE_ORDER_STATUSES]
    )
    supplier = forms.TypedChoiceField(
        label=_("Supplier"), required=False, coerce=int, empty_value=None, choices=[]
    )
    due = forms.BooleanField(label=_("Due or overdue"), required=False)

    def __init__(self, *args, suppliers: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = [("", _("Any")), *suppliers]

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or None,
            "supplier_id": data.get("supplier"),
            "due": bool(data.get("due")),
        }

    @property
    def filtering(self) -> bool:
        values = self.values()
        return bool(values["status"] or values["supplier_id"] or values["due"])


def line_field(line) -> str:
    return f"line_{line.pk}"


class ReceiveForm(forms.Form):
    """One "received now" field per line still awaited."""

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [ln for ln in lines if ln.quantity_remaining > 0]
        self.lines_by_id = {ln.pk: ln for ln in self.lines}
        for line in self.lines:
            self.fields[line_field(line)] = forms.IntegerField(
                label=_("%(sku)s received now") % {"sku": line.sku},
                min_value=0,
                max_value=1_000_000,
                required=False,
                initial=0,
                # The browser refuses more than is awaited; the service checks again under lock.
                widget=forms.NumberInput(attrs={"max": line.quantity_remaining}),
                help_text=_("%(remaining)s of %(ordered)s still expected")
                % {"remaining": line.quantity_remaining, "ordered": line.quantity_ordered},
            )

    def rows(self):
        """(line, bound field) for the template's table."""
        return [(line, self[line_field(line)]) for line in self.lines]

    def quantities(self) -> dict[int, int]:
        """{line id: units} for every line with a quantity above zero."""
        return {
            line.pk: self.cleaned_data[line_field(line)]
            for line in self.lines
            if self.cleaned_data.get(line_field(line))
        }

    def clean(self):
        data = super().clean()
        if not self.errors and not self.quantities():
            raise forms.ValidationError(_("Enter the quantity that arrived for at least one line."))
        return data


RECEIVE_MESSAGES = {
    "over_receipt": _("%(requested)s is more than the %(remaining)s still expected."),
}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=500,
        help_text=_("For example: the supplier cannot deliver."),
    )


TRANSITION_MESSAGES = {
    "illegal_transition": _("Not possible: this purchase order is %(status)s now."),
}
