from django import template

from soloops.formatting import money_display

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``order.total|money:order.currency`` → "€1,234.50", per currency and language."""
    return money_display(amount, currency)


@register.simple_tag(takes_context=True)
def nav_current(context, section: str) -> str:
    """``aria-current="page"`` on the navigation link of the section being shown."""
    return 'aria-current="page"' if context.get("section") == section else ""
