"""The public pages before checkout: what is for sale, one product, and the cart."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from soloops.marketing.selectors import bought_with_any
from soloops.shop.selectors import shop_profile
from soloops.storefront.cart import cart_get, cart_set
from soloops.storefront.forms import AddToCartForm, CartForm
from soloops.storefront.selectors import storefront_catalog, storefront_product


@require_GET
def products(request):
    return render(request, "storefront/products.html", {"products": storefront_catalog()})


@require_http_methods(["GET", "POST"])
def product(request, slug: str):
    found = storefront_product(slug=slug)
    if found is None:
        raise Http404
    cart = cart_get(request.session)
    form = AddToCartForm(request.POST or None, offers=found.offers, cart=cart)
    if request.method == "POST" and form.is_valid():
        offer = form.offer()
        wanted = cart.quantity_of(offer.variant_id) + form.cleaned_data["quantity"]
        cart_set(request.session, variant_id=offer.variant_id, quantity=wanted)
        return redirect("storefront:cart")
    status = 400 if form.errors else 200
    context = {
        "product": found,
        "form": form,
        "cart": cart,
        "tax": _tax_note(),
        "together": bought_with_any({o.variant_id for o in found.offers}, limit=4),
    }
    return render(request, "storefront/product.html", context, status=status)


@require_http_methods(["GET", "POST"])
def cart(request):
    """The cart. A POST changes the quantities (0 removes a line); with HTMX each change
    answers only the cart, so the totals follow as the customer types."""
    current = cart_get(request.session)
    if request.method == "POST" and (remove := request.POST.get("remove", "")).isdigit():
        cart_set(request.session, variant_id=int(remove), quantity=0)
        return redirect("storefront:cart")
    form = CartForm(request.POST or None, cart=current)
    if request.method == "POST" and form.is_valid():
        for offer, quantity in form.quantities():
            cart_set(request.session, variant_id=offer.variant_id, quantity=quantity)
        if not request.headers.get("HX-Request"):
            return redirect("storefront:cart")
        current = cart_get(request.session)
        form = CartForm(cart=current)
    context = {"cart": current, "form": form, "quote": current.quote(""), "tax": _tax_note()}
    template = (
        "storefront/_cart.html" if request.headers.get("HX-Request") else "storefront/cart.html"
    )
    return render(request, template, context, status=400 if form.errors else 200)


def _tax_note() -> str:
    return "included" if shop_profile().prices_include_tax else "excluded"
