"""The order form: parses what the customer typed into an ``OrderDraft``, and puts the errors
of ``order_place`` back beside the field they name."""

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from soloops.errors import ApplicationError
from soloops.orders.services import LineDraft, OrderDraft, review_policy
from soloops.storefront.selectors import Offer

ADDRESS_REQUIRED = ("line1", "city", "postal_code", "country")
# Where each field the service may name lives on this form.
SERVICE_FIELDS = {
    "email": "email",
    "shipping_address.name": "ship_name",
    "shipping_address.line1": "line1",
    "shipping_address.line2": "line2",
    "shipping_address.city": "city",
    "shipping_address.postal_code": "postal_code",
    "shipping_address.country": "country",
}
LINE_FIELD = re.compile(r"lines\[(\d+)\]\.(sku|quantity)")
SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")


class OrderForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    name = forms.CharField(label=_("Your name"), max_length=200)
    ship_name = forms.CharField(
        label=_("Recipient"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to ship to your own name."),
    )
    line1 = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    line2 = forms.CharField(label=_("Address line 2 (optional)"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    # No max_length: clean_country says what a country code looks like instead.
    country = forms.CharField(
        label=_("Country"),
        required=False,
        help_text=_("Two-letter code, such as DE, GB or CN."),
        widget=forms.TextInput(attrs={"size": 2, "maxlength": 2, "autocapitalize": "characters"}),
    )
    # A random token per form: a double click sends it twice, and the second send answers with
    # the order the first one placed instead of placing another (it is the Idempotency-Key).
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, offers: list[Offer], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offers = offers
        self.line_fields: list[str] = []  # the quantity field of each line of the draft
        for offer in offers:
            field = forms.IntegerField(
                label=offer.title, min_value=0, max_value=9999, initial=0, required=False
            )
            # The browser stops at the stock shown; intake still checks the stock of the moment.
            field.widget.attrs.update(max=offer.available, inputmode="numeric")
            if not offer.in_stock:
                # Only the browser's input is disabled: a quantity sent anyway (the page was
                # served before the item sold out) must reach intake and come back as an error
                # on its line, not be dropped from the order without a word.
                field.widget.attrs["disabled"] = True
            self.fields[self.quantity_name(offer)] = field
        # When everything on sale ships, the browser can insist on an address too.
        if offers and all(o.requires_shipping for o in offers):
            for name in ADDRESS_REQUIRED:
                self.fields[name].required = True
        for name in ("email", "name", "ship_name", "line1", "line2", "city", "postal_code"):
            self.fields[name].widget.attrs.setdefault("autocomplete", AUTOCOMPLETE[name])
        self.fields["country"].widget.attrs["autocomplete"] = "country"

    @staticmethod
    def quantity_name(offer: Offer) -> str:
        return f"qty_{offer.variant_id}"

    def quantity_rows(self) -> list[tuple[Offer, forms.BoundField]]:
        return [(offer, self[self.quantity_name(offer)]) for offer in self.offers]

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise forms.ValidationError(_("Enter a two-letter country code, such as DE or CN."))
        return country

    def chosen(self) -> list[tuple[Offer, int]]:
        """Each offer with the quantity asked for, leaving out zeros (and unparsable fields)."""
        data = self.cleaned_data
        return [
            (offer, data[name])
            for offer in self.offers
            if data.get(name := self.quantity_name(offer))
        ]

    def clean(self) -> dict:
        data = super().clean()
        chosen = self.chosen()
        # A quantity that did not parse already carries its own error.
        unparsed = any(self.quantity_name(o) in self.errors for o in self.offers)
        if not chosen and not unparsed:
            raise forms.ValidationError(_("Choose at least one item."), code="empty_order")
        if any(offer.requires_shipping for offer, _quantity in chosen):
            for name in ADDRESS_REQUIRED:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, forms.ValidationError(_("This field is required.")))
        return data

    def draft(self, *, language: str) -> OrderDraft:
        """The order as typed. Precondition: ``is_valid()`` returned True."""
        data = self.cleaned_data
        chosen = self.chosen()
        self.line_fields = [self.quantity_name(offer) for offer, _quantity in chosen]
        ships = any(offer.requires_shipping for offer, _quantity in chosen)
        address = {
            "name": data["ship_name"] or data["name"],
            "line1": data["line1"],
            "line2": data["line2"],
            "city": data["city"],
            "postal_code": data["postal_code"],
            "country": data["country"],
        }
        return OrderDraft(
            email=data["email"],
            name=data["name"],
            language=language,
            lines=[LineDraft(sku=offer.sku, quantity=quantity) for offer, quantity in chosen],
            # Digital goods only: nothing ships, so no address is kept.
            shipping_address=address if ships else {},
        )

    def idempotency_key(self) -> str | None:
        token = (self.cleaned_data.get("submission") or "").strip()
        return f"storefront:{token}" if SUBMISSION.fullmatch(token) else None

    def add_service_error(self, error: ApplicationError) -> None:
        """Show an error of ``order_place`` beside the field it names (or above the form)."""
        self.add_error(self._field_for(error.field), self._message_for(error))

    def _field_for(self, service_field: str | None) -> str | None:
        if service_field and (match := LINE_FIELD.fullmatch(service_field)):
            index = int(match.group(1))
            return self.line_fields[index] if index < len(self.line_fields) else None
        return SERVICE_FIELDS.get(service_field or "")

    def _message_for(self, error: ApplicationError) -> str:
        code = str(error.code)
        if code == "quantity_limit":
            return gettext("You can order at most %(max)d of this item at once.") % {
                "max": review_policy().max_quantity_per_line
            }
        if code == "insufficient_stock" and "available" in error.extra:
            available = max(int(error.extra["available"]), 0)
            if available == 0:
                return gettext("Sorry, this item is sold out.")
            return gettext("Only %(available)d left in stock.") % {"available": available}
        message = MESSAGES.get(code)
        # A code this form does not know yet: the service's own words beat saying nothing.
        return str(message) if message else error.message


AUTOCOMPLETE = {
    "email": "email",
    "name": "name",
    "ship_name": "shipping name",
    "line1": "shipping address-line1",
    "line2": "shipping address-line2",
    "city": "shipping address-level2",
    "postal_code": "shipping postal-code",
}

MESSAGES = {
    "invalid_email": _("Enter a valid email address."),
    "empty_order": _("Choose at least one item."),
    "unknown_sku": _("Sorry, this item is no longer for sale."),
    "inactive_sku": _("Sorry, this item is no longer for sale."),
    "currency_mismatch": _("Sorry, this item is no longer for sale."),
    "insufficient_stock": _("Sorry, there is not enough of this item in stock."),
    "missing_address": _("This field is required."),
    "invalid_country": _("Enter a two-letter country code, such as DE or CN."),
    "idempotency_key_reused": _(
        "This form was already sent with other details. Reload the page to place a new order."
    ),
}
