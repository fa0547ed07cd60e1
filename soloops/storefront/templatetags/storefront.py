from django import template

from soloops.formatting import delivery_days_display, money_display
from soloops.shop import selectors

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``12.5|money:"EUR"`` → "€12.50", per currency and the active language."""
    return money_display(amount, currency)


@register.simple_tag
def shop_name() -> str:
    """The shop's name from its profile (Settings), cached: no query."""
    return selectors.shop_name()


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    """How many items the visitor's cart holds, from the session alone (no catalogue read; a
    line no longer for sale still counts until the cart page is shown)."""
    from soloops.storefront.cart import SESSION_KEY

    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return 0
    stored = request.session.get(SESSION_KEY) or {}
    return sum(int(quantity) for quantity in stored.values())


@register.simple_tag
def delivery_days(days_min, days_max) -> str:
    """``{% delivery_days 3 5 %}`` → "3-5 days" in the active language ("" when not given)."""
    return delivery_days_display(days_min, days_max)
