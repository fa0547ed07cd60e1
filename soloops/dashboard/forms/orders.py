"""Forms of the orders section: the list's filters, the bulk actions, and what each order
action asks for (a reason where the service requires one)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.dashboard.forms.dates import DayField
from soloops.orders.selectors import ORDER_CHANNELS, ORDER_STATUSES, OrderFilters

MAX_SELECTED = 200  # two pages and more of the list; a bulk action is one request


class OrderFiltersForm(forms.Form):
    """The list's GET filters. An invalid one is shown beside its field and not applied."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=254,
        help_text=_("Order number, email or customer name; the start of a number or email."),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "SO-2026-… / ada@…"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ORDER_STATUSES],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *ORDER_CHANNELS],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    placed_from = DayField(label=_("Placed from"), required=False)
    placed_to = DayField(label=_("Placed to"), required=False)

    def clean_q(self) -> str:
        q = self.cleaned_data["q"]
        if "\x00" in q:  # PostgreSQL cannot compare text holding NUL
            raise forms.ValidationError(_("Remove the NUL character."))
        return q.strip()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("placed_from"), data.get("placed_to")
        if start and end and end < start:
            self.add_error("placed_to", _("The end date is before the start date."))
        return data

    def filters(self) -> OrderFilters:
        """What passed validation (call after ``is_valid()``); an invalid field filters nothing."""
        data = getattr(self, "cleaned_data", {})
        return OrderFilters(
            status=data.get("status") or None,
            channel=data.get("channel") or None,
            placed_from=data.get("placed_from"),
            placed_to=data.get("placed_to"),
            q=data.get("q") or None,
        )

    @property
    def active(self) -> bool:
        return any(v for k, v in self.filters().__dict__.items())


class OrderNumbersField(forms.MultipleChoiceField):
    """Order numbers ticked in the list. Any number-shaped value passes: the services say
    which orders exist and what can be done with each."""

    def valid_value(self, value) -> bool:
        return 0 < len(value) <= 20 and "\x00" not in value


class BulkForm(forms.Form):
    """Selected rows of the list and the action to take on them."""

    ACCEPT = "accept"
    PACKING_SLIPS = "packing_slips"

    action = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept selected")), (PACKING_SLIPS, _("Print packing slips"))]
    )
    orders = OrderNumbersField(
        label=_("Orders"),
        error_messages={"required": _("Select at least one order.")},
    )

    def clean_orders(self) -> list[str]:
        orders = self.cleaned_data["orders"]
        if len(orders) > MAX_SELECTED:
            raise forms.ValidationError(
                _("Select at most %(max)d orders at a time.") % {"max": MAX_SELECTED}
            )
        return orders


class ReasonForm(forms.Form):
    """Hold, reject, cancel: the service requires a reason, shown on the order's timeline."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Shown on the order's timeline."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why."))
        return reason


class NoteForm(forms.Form):
    """Accept: an optional note."""

    reason = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class PaymentReferenceForm(forms.Form):
    """Mark paid: an optional reference of the transfer or receipt."""

    reference = forms.CharField(
        label=_("Payment reference (optional)"),
        max_length=200,
        required=False,
        help_text=_("E.g. the bank transfer's reference."),
    )


class ConfirmForm(forms.Form):
    """Actions that ask nothing more than the confirmation."""
