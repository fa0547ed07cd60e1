"""The public pages: what is for sale, the order form, and the customer's confirmation."""

import math
import secrets

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError, NotFound
from soloops.orders.selectors import order_get_by_token
from soloops.orders.services import order_place
from soloops.storefront import ratelimit
from soloops.storefront.forms import OrderForm
from soloops.storefront.selectors import storefront_catalog

STOREFRONT = Actor.system("storefront")

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


@require_GET
def products(request):
    return render(request, "storefront/products.html", {"products": storefront_catalog()})


@require_http_methods(["GET", "POST"])
def order_form(request):
    if request.method == "GET":
        offers = _offers()
        chosen = request.GET.get("item", "")
        initial = {"submission": secrets.token_urlsafe(24)} | {
            OrderForm.quantity_name(o): 1 for o in offers if str(o.variant_id) == chosen
        }
        return _form_page(request, OrderForm(offers=offers, initial=initial))
    client_ip = request.META.get("REMOTE_ADDR")
    retry_after = ratelimit.attempt(
        scope="storefront-order",
        ip=client_ip,
        limit=settings.STOREFRONT_ORDER_LIMIT,
        window=settings.STOREFRONT_ORDER_WINDOW,
    )
    if retry_after is not None:
        response = render(
            request,
            "storefront/rate_limited.html",
            {"minutes": math.ceil(retry_after / 60)},
            status=429,
        )
        response["Retry-After"] = str(retry_after)
        return response
    form = OrderForm(request.POST, offers=_offers())
    if form.is_valid():
        try:
            order, _created = order_place(
                draft=form.draft(language=get_language()),
                channel="storefront",
                actor=STOREFRONT,
                client_ip=client_ip,
                idempotency_key=form.idempotency_key(),
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            return redirect("storefront:confirmation", token=order.public_token)
    return _form_page(request, form)


@require_GET
@never_cache  # the status changes, and the page shows the customer's address
def order_confirmation(request, token: str):
    try:
        order = order_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "storefront/confirmation.html",
        {"order": order, "status_text": STATUS_TEXT.get(order.status, "")},
    )


def _offers():
    return [offer for product in storefront_catalog() for offer in product.offers]


def _form_page(request, form: OrderForm):
    return render(request, "storefront/order_form.html", {"form": form})
