from django import template

from soloops.dashboard.timeline import actor_name
from soloops.formatting import (
    date_display,
    datetime_display,
    delivery_days_display,
    money_display,
)

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``order.total|money:order.currency`` → "€1,234.50", per currency and language."""
    return money_display(amount, currency)


@register.filter
def when(moment, detail: str = "") -> str:
    """``run.created_at|when`` → "6 Dec 2026, 18:42" / "2026年12月6日 18:42": the one date and
    time format of the reader's language, in the shop's time zone; ``|when:"seconds"`` adds
    the seconds."""
    return datetime_display(moment, seconds=detail == "seconds")


@register.filter
def day(value, detail: str = "") -> str:
    """``po.expected_date|day`` → "6 Dec 2026"; ``|day:"weekday"`` → "Sunday, 6 Dec 2026"."""
    return date_display(value, weekday=detail == "weekday")


@register.filter
def actor(label: str, kind: str) -> str:
    """``event.actor_label|actor:event.actor_kind`` → who did it, in the reader's language."""
    return actor_name(kind, label)


@register.simple_tag(takes_context=True)
def nav_current(context, section: str) -> str:
    """``aria-current="page"`` on the navigation link of the section being shown."""
    return 'aria-current="page"' if context.get("section") == section else ""


@register.simple_tag
def delivery_days(days_min, days_max) -> str:
    """``{% delivery_days 3 5 %}`` → "3-5 days" in the active language ("" when not given)."""
    return delivery_days_display(days_min, days_max)
