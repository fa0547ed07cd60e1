"""Forms of the products section: SKUs, stock adjustments, reorder policies, suppliers."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.errors import ApplicationError

ACTIVE_CHOICES = [("", _("Any")), ("1", _("On sale")), ("0", _("Not on sale"))]


def attach_service_error(
    form: forms.Form,
    error: ApplicationError,
    *,
    fields: dict[str, str] | None = None,
    messages: dict[str, str] | None = None,
) -> None:
    """Put a service's error beside the form field it names.

    ``fields`` maps the service's field name to the form's (``counted`` → ``quantity``);
    ``messages`` gives translated sentences for known error codes, formatted with the error's
    ``extra``. A field the form does not have makes it a non-field error."""
    name = (fields or {}).get(error.field or "", error.field)
    template = (messages or {}).get(str(error.code))
    try:
        message = str(template) % error.extra if template else error.message
    except (KeyError, TypeError, ValueError):
        message = error.message
    form.add_error(name if name in form.fields else None, message)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    low = forms.BooleanField(label=_("Low or out of stock"), required=False)
    active = forms.ChoiceField(label=_("On sale"), choices=ACTIVE_CHOICES, required=False)

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        active = data.get("active", "")
        return {
            "q": (data.get("q") or "").strip() or None,
            "low": bool(data.get("low")),
            "active": {"1": True, "0": False}.get(active),
        }

    @property
    def filtering(self) -> bool:
        values = self.values()
        return bool(values["q"] or values["low"] or values["active"] is not None)


class ProductCreateForm(forms.Form):
    name = forms.CharField(label=_("Product name"), max_length=200)
    sku = forms.CharField(label=_("SKU"), max_length=64)
    price = forms.DecimalField(
        label=_("Price"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    low_stock_threshold = forms.IntegerField(
        label=_("Low-stock threshold"),
        min_value=0,
        max_value=1_000_000,
        initial=5,
        help_text=_("Stock is low below this many available."),
    )


ADJUST_MODES = [
    ("change", _("Change by (+ adds, - removes)")),
    ("count", _("Counted quantity (sets on hand)")),
]


class StockAdjustForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What you enter"), choices=ADJUST_MODES, initial="change", widget=forms.RadioSelect
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=-1_000_000, max_value=1_000_000)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: damaged in storage, found on the shelf, yearly count."),
    )
    location = forms.TypedChoiceField(label=_("Location"), coerce=int, required=False, choices=[])

    def __init__(self, *args, locations: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if len(locations) > 1:
            self.fields["location"].choices = locations
            self.fields["location"].required = True
        else:
            del self.fields["location"]

    def clean(self):
        data = super().clean()
        if data.get("mode") == "count" and (data.get("quantity") or 0) < 0:
            self.add_error("quantity", _("A count cannot be negative."))
        return data


ADJUST_MESSAGES = {
    "below_reserved": _(
        "That would leave less on hand than is reserved for orders; ship or release those first."
    ),
    "reason_required": _("Say why the stock changed."),
}


class ReorderPolicyForm(forms.Form):
    reorder_point = forms.IntegerField(
        label=_("Reorder point"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text=_("Order when available stock plus what is on order falls below this."),
    )
    target_level = forms.IntegerField(
        label=_("Target level"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text=_("Order up to this level. Empty: twice the reorder point."),
    )
    preferred_supplier = forms.TypedChoiceField(
        label=_("Preferred supplier"), coerce=int, required=False, empty_value=None, choices=[]
    )
    auto_send = forms.BooleanField(
        label=_("Send drafted purchase orders to the supplier without review"), required=False
    )

    def __init__(self, *args, suppliers: list[tuple[int, str]] = (), threshold: int = 0, **kw):
        super().__init__(*args, **kw)
        self.fields["preferred_supplier"].choices = [("", _("The cheapest")), *suppliers]
        self.fields["reorder_point"].widget.attrs["placeholder"] = str(threshold)

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "reorder_point": data.get("reorder_point"),
            "target_level": data.get("target_level"),
            "preferred_supplier_id": data.get("preferred_supplier"),
            "auto_send": bool(data.get("auto_send")),
        }


POLICY_FIELDS = {"preferred_supplier_id": "preferred_supplier"}


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"), help_text=_("Purchase orders are sent here."))
    lead_time_days = forms.IntegerField(
        label=_("Lead time (days)"), min_value=0, max_value=3650, initial=7
    )
    min_order_quantity = forms.IntegerField(
        label=_("Minimum order quantity"),
        min_value=1,
        max_value=1_000_000,
        initial=1,
        help_text=_("Per line of a purchase order."),
    )


SUPPLIER_MESSAGES = {"duplicate_name": _("Another supplier already has this name.")}


class SupplierItemForm(forms.Form):
    sku = forms.CharField(label=_("Our SKU"), max_length=64)
    supplier_sku = forms.CharField(label=_("Their SKU"), max_length=64)
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
