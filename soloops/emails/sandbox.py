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
