"""Checkout and after: the checkout page, its live summary, the confirmation, paying.

Orders go in through ``orders.services.order_place`` (review, reservation, idempotency and
events all hold there); payments through ``payments.services.payment_start``. Placing an
order and paying are both rate limited per client address.
"""

import contextlib
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soloops.accounts.actors import Actor
from soloops.customers.services import customer_consent_set
from soloops.errors import ApplicationError, NotFound
from soloops.orders.selectors import order_get_by_token
from soloops.orders.services import order_place
from soloops.payments.selectors import payments_for_order
from soloops.payments.services import payment_start
from soloops.shop.selectors import country_name, shop_profile
from soloops.storefront import ratelimit
from soloops.storefront.cart import cart_clear, cart_get
from soloops.storefront.forms import CardForm, CheckoutForm, service_message

STOREFRONT = Actor.system("storefront")
PLACED_KEY = "storefront_placed"  # submission token → confirmation token, for a second click

# What each status means to the customer, in plain words.
STATUS_TEXT = {
    "placed": _("We have received your order."),
    "on_hold": _("We are checking your order by hand and will email you shortly."),
    "accepted": _("Your order is confirmed and your items are set aside for you."),
    "rejected": _("Sorry, we could not accept this order."),
    "paid": _("Your payment arrived. We are getting your order ready."),
    "fulfilling": _("We are packing your order."),
    "shipped": _("Your order is on its way."),
    "delivered": _("Your order has been delivered."),
    "completed": _("Your order is complete. Thank you!"),
    "cancelled": _("This order was cancelled."),
}


def _limited(request, scope: str):
    """The 429 page when this address tried ``scope`` too often, else None."""
    retry_after = ratelimit.attempt(
        scope=scope,
        ip=request.META.get("REMOTE_ADDR"),
        limit=settings.STOREFRONT_ORDER_LIMIT,
        window=settings.STOREFRONT_ORDER_WINDOW,
    )
    if retry_after is None:
        return None
    context = {"minutes": math.ceil(retry_after / 60)}
    response = render(request, "storefront/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_GET
def old_order_form(request):
    return redirect("storefront:cart")


def _consent(order) -> None:
    """The checkout's ticked box: marketing consent from the storefront, now (the customer
    record exists once the order is placed)."""
    with transaction.atomic():
        customer_consent_set(
            customer=order.customer, consent=True, source="storefront", actor=STOREFRONT
        )


@require_http_methods(["GET", "POST"])
def checkout(request):
    if request.method == "GET":
        cart = cart_get(request.session)
        if not cart.lines:
            return redirect("storefront:cart")
        form = CheckoutForm(cart=cart, initial={"submission": secrets.token_urlsafe(24)})
        return _checkout_page(request, form)
    if limited := _limited(request, "storefront-order"):
        return limited
    placed = request.session.get(PLACED_KEY, {})
    if (token := request.POST.get("submission", "")) in placed:
        return redirect("storefront:confirmation", token=placed[token])  # a second click
    cart = cart_get(request.session)
    form = CheckoutForm(request.POST, cart=cart)
    if not cart.lines:
        form.add_error(None, service_message(ApplicationError("empty_order", "")))
    elif form.is_valid():
        try:
            order, _created = order_place(
                draft=form.draft(language=get_language()),
                channel="storefront",
                actor=STOREFRONT,
                client_ip=request.META.get("REMOTE_ADDR"),
                idempotency_key=form.idempotency_key(),
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            request.session[PLACED_KEY] = {**placed, token: order.public_token}
            cart_clear(request.session)
            if form.cleaned_data["marketing"]:
                _consent(order)
            if form.cleaned_data["payment"] == "manual":
                _expect_transfer(order)
            return redirect("storefront:confirmation", token=order.public_token)
    return _checkout_page(request, form, status=400)


def _expect_transfer(order) -> None:
    """Record the bank transfer the customer chose, so the owner sees it expected. A held
    order takes no payment yet: the confirmation offers it once the order is accepted."""
    if order.status != "accepted":
        return
    # Already expected, or no longer payable: either way the confirmation says what is true.
    with contextlib.suppress(ApplicationError):
        payment_start(
            order=order,
            provider="manual",
            actor=STOREFRONT,
            idempotency_key=f"storefront-pay:{order.number}:manual",
        )


def _checkout_page(request, form: CheckoutForm, status: int = 200):
    return render(request, "storefront/checkout.html", _summary_context(form), status=status)


def _summary_context(form: CheckoutForm) -> dict:
    cart, country, method = form.cart, form._country(), form.chosen_method()
    return {
        "form": form,
        "cart": cart,
        "country": country,
        "method": method,
        "options": form.options if country else [],
        "quote": cart.quote(country, method or None),
        "tax_included": shop_profile().prices_include_tax,
    }


@require_GET
def summary(request):
    """The order summary for the country and delivery chosen so far (the checkout page asks
    as either changes)."""
    form = CheckoutForm(cart=cart_get(request.session), chosen=request.GET)
    return render(request, "storefront/_summary.html", _summary_context(form))


@require_GET
@never_cache  # the status changes, and the page shows the customer's address
def order_confirmation(request, token: str):
    order = _order(token)
    return _confirmation_page(request, order, CardForm(initial=_fresh()))


@require_POST
@never_cache
def order_pay(request, token: str):
    """Pay an accepted order: by card (the sandbox), or choose bank transfer."""
    order = _order(token)
    if limited := _limited(request, "storefront-pay"):
        return limited
    if request.POST.get("method") == "manual":
        _expect_transfer(order)
        return redirect("storefront:confirmation", token=token)
    form = CardForm(request.POST)
    if form.is_valid():
        try:
            payment_start(
                order=order,
                provider="sandbox",
                actor=STOREFRONT,
                card_number=form.cleaned_data["card_number"],
                idempotency_key=form.idempotency_key(order.number),
            )
        except ApplicationError as error:
            form.add_error(
                "card_number" if error.field == "card_number" else None, service_message(error)
            )
        else:
            return redirect("storefront:confirmation", token=token)
    return _confirmation_page(request, order, form, status=400)


def _fresh() -> dict:
    return {"submission": secrets.token_urlsafe(24)}


def _order(token: str):
    try:
        return order_get_by_token(token=token)
    except NotFound:
        raise Http404 from None


def _confirmation_page(request, order, card_form: CardForm, status: int = 200):
    payments = payments_for_order(order=order)
    live = next((p for p in payments if p.status != "failed"), None)
    profile = shop_profile()
    address = order.shipping_address or {}
    context = {
        "order": order,
        "status_text": STATUS_TEXT.get(order.status, ""),
        "payment": live,
        "failed": payments[0] if payments and live is None else None,
        "can_pay": order.status == "accepted" and live is None,
        "card_enabled": "sandbox" in settings.PAYMENT_PROVIDERS,
        "transfer_enabled": "manual" in settings.PAYMENT_PROVIDERS,
        "card_form": card_form,
        "instructions": profile.payment_instructions,
        "contact_email": profile.contact_email,
        "tax_included": profile.prices_include_tax,
        "country": country_name(address.get("country", "")),
    }
    return render(request, "storefront/confirmation.html", context, status=status)
