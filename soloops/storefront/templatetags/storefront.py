from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import formats

register = template.Library()


@register.filter
def money(amount: Decimal, currency: str) -> str:
    """``12.5|money:"EUR"`` → ``12.50 EUR``, with the active language's separators."""
    if amount in (None, ""):
        return ""
    number = formats.number_format(Decimal(amount), 2, use_l10n=True, force_grouping=True)
    return f"{number} {currency}"


@register.simple_tag
def shop_name() -> str:
    return settings.SHOP_NAME
