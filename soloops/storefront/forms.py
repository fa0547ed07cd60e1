"""The storefront's forms: add to cart, change the cart, check out, pay by card. Each puts
its errors beside the field they concern, including the errors of ``order_place``."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from soloops.errors import ApplicationError
from soloops.orders.services import LineDraft, OrderDraft, review_policy
from soloops.shop.selectors import countries
from soloops.storefront.cart import Cart
from soloops.storefront.selectors import Offer

ADDRESS_REQUIRED = ("line1", "city", "postal_code", "country")
# Where each field the service may name lives on the checkout form.
SERVICE_FIELDS = {
    "email": "email",
    "shipping_address": "line1",
    "shipping_address.name": "ship_name",
    "shipping_address.line1": "line1",
    "shipping_address.line2": "line2",
    "shipping_address.city": "city",
    "shipping_address.postal_code": "postal_code",
    "shipping_address.country": "country",
    "shipping_method": "shipping",
    "card_number": "card_number",
}
LINE_FIELD = re.compile(r"lines\[(\d+)\]\.(sku|quantity)")
SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
# The payment methods the checkout offers, among the shop's providers. Stripe needs its own
# script in the customer's browser, which the storefront does not have yet.
PAYMENT_METHODS = {
    "manual": _("Bank transfer"),
    "sandbox": _("Card (test cards only)"),
}


def stock_error(offer: Offer, wanted: int) -> str | None:
    """What to tell a customer who wants ``wanted`` of ``offer``, or None when that is fine."""
    limit = review_policy().max_quantity_per_line
    if wanted > limit:
        return gettext("You can order at most %(max)d of this item at once.") % {"max": limit}
    if wanted > offer.available:
        if offer.available == 0:
            return gettext("Sorry, this item is sold out.")
        return gettext("Only %(available)d left in stock.") % {"available": offer.available}
    return None


def quantity_field(**kwargs) -> forms.IntegerField:
    # Its maximum is a sanity bound, never the stock: the page must not tell how many are left.
    field = forms.IntegerField(label=_("Quantity"), max_value=9999, **kwargs)
    field.widget.attrs.update(inputmode="numeric")
    return field


class AddToCartForm(forms.Form):
    variant = forms.TypedChoiceField(label=_("Choose"), coerce=int, widget=forms.RadioSelect)
    quantity = quantity_field(min_value=1, initial=1)

    def __init__(self, *args, offers: list[Offer], cart: Cart, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offers = {offer.variant_id: offer for offer in offers}
        self.cart = cart
        self.fields["variant"].choices = [(o.variant_id, o.name) for o in offers]
        in_stock = [o for o in offers if o.in_stock]
        if in_stock:
            self.fields["variant"].initial = in_stock[0].variant_id

    def clean(self) -> dict:
        data = super().clean()
        offer = self.offers.get(data.get("variant"))
        quantity = data.get("quantity")
        if offer is not None and quantity:
            error = stock_error(offer, self.cart.quantity_of(offer.variant_id) + quantity)
            if error:
                if self.cart.quantity_of(offer.variant_id):
                    error += " " + gettext("Your cart already holds %(count)d.") % {
                        "count": self.cart.quantity_of(offer.variant_id)
                    }
                self.add_error("quantity", error)
        return data

    def offer(self) -> Offer:
        return self.offers[self.cleaned_data["variant"]]


class CartForm(forms.Form):
    """One quantity per cart line; 0 removes the line."""

    def __init__(self, *args, cart: Cart, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cart = cart
        for line in cart.lines:
            field = quantity_field(min_value=0, initial=line.quantity)
            field.label = line.offer.title
            self.fields[self.quantity_name(line.offer)] = field

    @staticmethod
    def quantity_name(offer: Offer) -> str:
        return f"qty_{offer.variant_id}"

    def rows(self):
        return [(line, self[self.quantity_name(line.offer)]) for line in self.cart.lines]

    def clean(self) -> dict:
        data = super().clean()
        for line in self.cart.lines:
            name = self.quantity_name(line.offer)
            wanted = data.get(name)
            if wanted and (error := stock_error(line.offer, wanted)):
                self.add_error(name, error)
        return data

    def quantities(self) -> list[tuple[Offer, int]]:
        return [
            (line.offer, self.cleaned_data[self.quantity_name(line.offer)])
            for line in self.cart.lines
            if self.cleaned_data.get(self.quantity_name(line.offer)) is not None
        ]


class CheckoutForm(forms.Form):
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
    country = forms.ChoiceField(label=_("Country"), required=False)
    # A delivery method's name, one of those offered to the chosen country (the summary
    # draws them as radio buttons, with their prices).
    shipping = forms.CharField(label=_("Delivery"), max_length=60, required=False)
    payment = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect)
    # Marketing consent, given by ticking (never pre-ticked); unticked changes nothing.
    marketing = forms.BooleanField(
        label=_("Keep me posted on news and offers (unsubscribe at any time)"), required=False
    )
    # A random token per form: a double click sends it twice, and the second send answers with
    # the order the first one placed instead of placing another (it is the Idempotency-Key).
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, cart: Cart, chosen=None, **kwargs) -> None:
        """``chosen``: the country and delivery picked so far, for an unbound form (the live
        summary, which must not show errors of fields not yet filled in)."""
        super().__init__(*args, **kwargs)
        self.cart = cart
        self.chosen = self.data if self.is_bound else (chosen or {})
        self.line_errors: dict[int, str] = {}  # variant id → intake's error for that line
        self.fields["country"].choices = [("", _("Choose your country")), *countries()]
        self.options = cart.shipping_options(self._country())
        methods = [m for m in PAYMENT_METHODS if m in settings.PAYMENT_PROVIDERS]
        self.fields["payment"].choices = [(m, PAYMENT_METHODS[m]) for m in methods]
        if methods:
            self.fields["payment"].initial = methods[0]
        if cart.ships:
            for name in ADDRESS_REQUIRED:
                self.fields[name].required = True
            # No method offered there (no rates at all): it ships free, as intake prices it.
            self.fields["shipping"].required = bool(self.options)
        for name, hint in AUTOCOMPLETE.items():
            self.fields[name].widget.attrs.setdefault("autocomplete", hint)

    def clean_shipping(self) -> str:
        if not self.cart.ships or not self.options:
            return ""  # nothing ships, or no method there: intake ships it free
        chosen = self.cleaned_data.get("shipping", "")
        if chosen not in {o.method for o in self.options}:
            raise forms.ValidationError(MESSAGES["invalid_method"])
        return chosen

    def _country(self) -> str:
        country = str(self.chosen.get("country", "")).strip().upper()
        return country if country in dict(self.fields["country"].choices) else ""

    def chosen_method(self) -> str:
        """The method the customer picked if it is offered to their country, else the first."""
        wanted = self.chosen.get("shipping", "")
        names = [o.method for o in self.options]
        return wanted if wanted in names else (names[0] if names else "")

    def draft(self, *, language: str) -> OrderDraft:
        """The order as typed. Precondition: ``is_valid()`` returned True."""
        data = self.cleaned_data
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
            lines=[LineDraft(sku=ln.offer.sku, quantity=ln.quantity) for ln in self.cart.lines],
            # Digital goods only: nothing ships, so no address is kept.
            shipping_address=address if self.cart.ships else {},
            shipping_method=data.get("shipping", "") if self.cart.ships else "",
        )

    def idempotency_key(self) -> str | None:
        token = (self.cleaned_data.get("submission") or "").strip()
        return f"storefront:{token}" if SUBMISSION.fullmatch(token) else None

    def add_service_error(self, error: ApplicationError) -> None:
        """Show an error of ``order_place`` beside the field or cart line it names."""
        message = service_message(error)
        field = error.field or ""
        if match := LINE_FIELD.fullmatch(field):
            index = int(match.group(1))
            if index < len(self.cart.lines):
                self.line_errors[self.cart.lines[index].offer.variant_id] = message
                self.add_error(
                    None,
                    gettext("Please change your cart: %(item)s — %(error)s")
                    % {"item": self.cart.lines[index].offer.title, "error": message},
                )
                return
        self.add_error(SERVICE_FIELDS.get(field), message)


class CardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        help_text=_("Test shop: use 4242 4242 4242 4242."),
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def idempotency_key(self, order_number: str) -> str | None:
        token = (self.cleaned_data.get("submission") or "").strip()
        return f"storefront-pay:{order_number}:{token}" if SUBMISSION.fullmatch(token) else None


def service_message(error: ApplicationError) -> str:
    code = str(error.code)
    if code == "quantity_limit":
        return gettext("You can order at most %(max)d of this item at once.") % {
            "max": review_policy().max_quantity_per_line
        }
    if code == "insufficient_stock" and "available" in (error.extra or {}):
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
    "country": "shipping country",
}

MESSAGES = {
    "invalid_email": _("Enter a valid email address."),
    "empty_order": _("Your cart is empty."),
    "unknown_sku": _("Sorry, this item is no longer for sale."),
    "inactive_sku": _("Sorry, this item is no longer for sale."),
    "currency_mismatch": _("Sorry, this item is no longer for sale."),
    "insufficient_stock": _("Sorry, there is not enough of this item in stock."),
    "missing_address": _("This field is required."),
    "invalid_country": _("Choose your country."),
    "invalid_method": _("Choose one of the delivery options offered to your country."),
    "idempotency_key_reused": _(
        "This form was already sent with other details. Reload the page to place a new order."
    ),
    "invalid_card": _("This test shop takes only test cards, such as 4242 4242 4242 4242."),
    "order_not_payable": _("This order cannot be paid now."),
    "already_paid": _("This order is already paid."),
    "payment_in_progress": _("A payment for this order is already under way."),
}
