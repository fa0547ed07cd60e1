"""The tags and filters an email template may use: Django's, minus any that reach outside the
template's own context.

Left out: ``debug`` (prints the context and every loaded module), ``load`` (would bring in more
tags), ``url`` (the site's routes), ``include`` / ``extends`` / ``block`` (other files),
``csrf_token`` / ``csp_nonce_attr`` / ``querystring`` (need a request), ``partialdef`` /
``partial``, and ``lorem`` (placeholder text, any amount of it). Every filter stays: they only
transform the values they are given (a template author can still ask for a huge padding width,
so editing and previewing templates is for the owner only).
"""

from django.template import Library, defaultfilters, defaulttags

from soloops.formatting import date_display, datetime_display, delivery_days_display, money_display

ALLOWED_TAGS = {
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
}

register = Library()
# Copies: the shared default libraries are never modified.
register.tags = {k: v for k, v in defaulttags.register.tags.items() if k in ALLOWED_TAGS}
register.filters = dict(defaultfilters.register.filters)


# The shop's one money and date format, in the email's language (as the console shows them):
# ``{{ order.total|money:order.currency }}``, ``{{ order.placed_on|day }}``, ``{{ x|when }}``.
@register.filter
def money(amount, currency: str) -> str:
    return money_display(amount, currency)


@register.filter
def day(value) -> str:
    return date_display(value)


@register.filter
def when(value) -> str:
    return datetime_display(value)


# ``{{ order.shipping_days_min|days:order.shipping_days_max }}`` → "3-5 days" / "3-5 天".
@register.filter
def days(low, high=None) -> str:
    return delivery_days_display(low, high)
