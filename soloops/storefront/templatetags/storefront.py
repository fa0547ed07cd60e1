from django import template

from soloops.formatting import money_display
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
