"""Settings forms: each parses one small form; the services check the rules and write."""

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from soloops.accounts.selectors import role_choices, scope_choices
from soloops.dashboard.forms.dates import DayField
from soloops.errors import ApplicationError
from soloops.orders.services import POLICY_RANGES
from soloops.shop.selectors import currencies, time_zones


def attach_error(form: forms.Form, error: ApplicationError, *, fields: dict | None = None) -> None:
    """Put a service's error beside the field it names (``fields`` maps the service's names to
    the form's); an error about no field of this form goes above the form."""
    name = (fields or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, error.message)


class LongSelect(forms.Select):
    """A select of hundreds of options (time zones, currencies) rendered in Python: Django's
    template per option made the shop page take 140 ms instead of 10."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) == chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 (escaped)


class ShopProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Shop name"),
        max_length=100,
        help_text=_("On the storefront, in every email and on packing slips."),
    )
    contact_email = forms.EmailField(
        label=_("Contact email"),
        required=False,
        help_text=_(
            "Where notices for you go, and where customers' replies to the shop's emails go. "
            "Empty: notices go to every owner's own address."
        ),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        widget=LongSelect,
        help_text=_(
            "Every price and every order is in this currency. It can only change while no "
            "product price and no order is in the current one, so choose it before adding "
            "products: prices are never converted."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        widget=LongSelect,
        help_text=_("Dates and times in the console, and what counts as today."),
    )
    language = forms.ChoiceField(
        label=_("Default language"),
        help_text=_(
            "For emails to customers who chose none, notices to you, purchase orders, and "
            "visitors whose browser asks for a language the shop does not have."
        ),
    )
    prices_include_tax = forms.TypedChoiceField(
        label=_("Prices"),
        choices=[
            ("false", _("exclude tax: tax is added at checkout")),
            ("true", _("include tax: customers pay the price shown")),
        ],
        coerce=lambda value: value == "true",
        # Not sent (an older page or script): the setting stays as it is.
        required=False,
        empty_value=None,
        help_text=_(
            "How the storefront reads your prices. Including tax is what consumers in the EU "
            "expect; the tax rates table says how much tax is in them."
        ),
    )
    payment_instructions = forms.CharField(
        label=_("Bank transfer instructions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown to customers who choose bank transfer: account holder, IBAN, BIC. They are "
            "asked to quote their order number."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [
            (code, f"{code} — {name}") for code, name in currencies()
        ]
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(time_zones())]
        self.fields["language"].choices = list(settings.LANGUAGES)

    def clean(self):
        data = super().clean()
        if data.get("prices_include_tax") is None:
            data.pop("prices_include_tax", None)
        if "payment_instructions" not in self.data:
            data.pop("payment_instructions", None)
        return data


class CountryField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Country"),
            max_length=2,
            help_text=_("Two-letter code such as DE; * for everywhere else."),
            **kwargs,
        )

    def to_python(self, value):
        return (super().to_python(value) or "").strip().upper()


class ShippingRateForm(forms.Form):
    prefix = "shipping"  # the rates page shows both add forms: ids must differ

    method = forms.CharField(
        label=_("Delivery method"),
        max_length=60,
        required=False,  # empty: Standard, the method every shop started with
        initial="Standard",
        help_text=_(
            "What the customer chooses at checkout, such as Standard or Express; rows with "
            "the same name are one method."
        ),
    )
    country = CountryField()
    amount = forms.DecimalField(
        label=_("Shipping"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    free_over = forms.DecimalField(
        label=_("Free from"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=_("Order subtotal from which shipping is free; empty: never free."),
    )
    days_min = forms.IntegerField(
        label=_("Arrives in at least (days)"), required=False, min_value=0, max_value=365
    )
    days_max = forms.IntegerField(
        label=_("Arrives in at most (days)"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_("Shown to the customer, such as 3–5 days; empty: not said."),  # noqa: RUF001
    )

    def clean_method(self) -> str:
        return self.cleaned_data.get("method") or "Standard"


class TaxRateForm(forms.Form):
    prefix = "tax"

    country = CountryField()
    rate = forms.DecimalField(
        label=_("Rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "On the subtotal plus shipping: added on top, or contained in the prices when "
            "Settings → Shop says prices include tax."
        ),
    )

    @staticmethod
    def initial_from(rate) -> dict:
        percent = (rate.rate * 100).quantize(Decimal("0.01"))
        whole = percent.to_integral_value()
        return {"country": rate.country, "rate": whole if percent == whole else percent}

    def fraction(self) -> Decimal:
        return self.cleaned_data["rate"] / 100


POLICY_LABELS = {
    "first_order_limit": (
        _("First order limit"),
        _("A customer's first order above this total adds the first-order score."),
    ),
    "first_order_score": (_("First-order score"), ""),
    "velocity_window_minutes": (
        _("Velocity window (minutes)"),
        _("How far back the counts of orders per email and per IP address look."),
    ),
    "max_orders_per_email": (
        _("Orders per email"),
        _("This many earlier orders from one email within the window add the velocity score."),
    ),
    "max_orders_per_ip": (
        _("Orders per IP address"),
        _("Likewise for one IP address (an integration's orders all share one)."),
    ),
    "velocity_score": (_("Velocity score"), ""),
    "country_mismatch_score": (
        _("Country mismatch score"),
        _("Added when billing and shipping countries differ."),
    ),
    "hold_at_score": (
        _("Hold at score"),
        _("Orders scoring this much or more wait for your decision."),
    ),
    "reject_at_score": (
        _("Reject at score"),
        _("Orders scoring this much or more are rejected; at least the hold score."),
    ),
    "max_quantity_per_line": (
        _("Most items per line"),
        _("Intake refuses a line with more of one SKU."),
    ),
}


class ReviewPolicyForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, help_text) in POLICY_LABELS.items():
            low, high, places = POLICY_RANGES[name]
            if places:
                field = forms.DecimalField(
                    max_digits=12, decimal_places=places, min_value=low, max_value=high
                )
            else:
                field = forms.IntegerField(min_value=low, max_value=high)
            field.label, field.help_text = label, help_text
            self.fields[name] = field


class TestEmailForm(forms.Form):
    to = forms.EmailField(label=_("Send to"))
    # New with every form shown: a double click queues one email, the next form another.
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def fresh_key() -> str:
        return uuid.uuid4().hex


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not common, not all digits, not like the username."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()
        self.fields["role"].initial = "staff"

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()


class UserActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. the warehouse laptop."),
    )
    scope = forms.ChoiceField(label=_("Scope"))
    expires_at = DayField(
        label=_("Expires after"),
        required=False,
        help_text=_("Valid until the end of this day; empty: until revoked."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices()

    def expiry(self) -> datetime | None:
        """The end of the chosen day in the shop's time zone."""
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time.min, timezone.get_current_timezone())
