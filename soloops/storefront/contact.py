"""Customers write to the shop: the contact form, and "ask about this order" on the order's
page (the link in every email), which links the question to that order without guessing.

Both are rate-limited per address like checkout, and answer with a thank-you page; the
conversation lands in the owner's inbox.
"""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError, NotFound
from soloops.orders.selectors import order_get_by_token
from soloops.storefront import ratelimit
from soloops.support.selectors import reply_rateable
from soloops.support.services import (
    MESSAGE_MAX,
    RATINGS,
    SUBJECT_MAX,
    conversation_open,
    reply_rate,
)

STOREFRONT = Actor.system("storefront")
CONTACT_LIMIT = 10  # messages per address per hour: a person writes a few, a bot many
CONTACT_WINDOW = 3600


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your email"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX, required=False)
    body = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )


class AskForm(forms.Form):
    """The order page's question: the order gives the address, so only the text is asked."""

    body = forms.CharField(
        label=_("Your question about this order"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _limited(request):
    retry_after = ratelimit.attempt(
        scope="storefront-contact",
        ip=request.META.get("REMOTE_ADDR"),
        limit=CONTACT_LIMIT,
        window=CONTACT_WINDOW,
    )
    if retry_after is None:
        return None
    response = render(
        request, "storefront/rate_limited.html", {"minutes": -(-retry_after // 60)}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _open(request, form, **fields):
    try:
        return conversation_open(
            channel="storefront", actor=STOREFRONT, language=get_language() or "en", **fields
        )
    except ApplicationError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request):
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if limited := _limited(request):
            return limited
        if form.is_valid() and _open(request, form, **form.cleaned_data):
            return render(request, "storefront/contact_sent.html", {})
    status = 400 if form.errors else 200
    return render(request, "storefront/contact.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def ask(request, token: str):
    try:
        order = order_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    form = AskForm(request.POST or None)
    if request.method == "POST":
        if limited := _limited(request):
            return limited
        if form.is_valid():
            opened = _open(
                request,
                form,
                email=order.email,
                name=(order.shipping_address or {}).get("name", ""),
                subject=str(_("Order %(number)s") % {"number": order.number}),
                body=form.cleaned_data["body"],
                order=order,
            )
            if opened:
                return render(request, "storefront/contact_sent.html", {"order": order})
    status = 400 if form.errors else 200
    return render(request, "storefront/ask.html", {"form": form, "order": order}, status=status)


class RatingForm(forms.Form):
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, token: str, rating: str):
    """ "Was this answer helpful?" from a reply's link. The link shows the choice and one
    button; the button records it (a mail scanner that follows links rates nothing)."""
    if rating not in RATINGS or not reply_rateable(token=token):
        raise Http404
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reply_rate(token=token, rating=rating, comment=form.cleaned_data["comment"],
                       actor=STOREFRONT)  # fmt: skip
        except NotFound:
            raise Http404 from None
        return render(request, "storefront/rated.html", {"rating": rating})
    return render(request, "storefront/rate.html", {"form": form, "rating": rating,
                                                    "token": token})  # fmt: skip
