"""The public ends of marketing email: the unsubscribe link (a page with one button), the
RFC 8058 one-click unsubscribe that mail providers POST without a login or a CSRF token, and
the click-tracking redirect. Each is authorised by its signed token alone."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from soloops.errors import InvalidInput
from soloops.marketing.services import campaign_click, unsubscribe
from soloops.marketing.tokens import unsubscribe_read


@csrf_exempt  # RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click", nothing else
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token: str):
    """GET shows the address and one button (a mail scanner following links unsubscribes no
    one); POST, from that button or a one-click header, unsubscribes."""
    try:
        email, _campaign = unsubscribe_read(token)
    except InvalidInput:
        raise Http404 from None
    if request.method == "POST":
        unsubscribe(token=token)
        return render(request, "storefront/unsubscribed.html", {"email": email})
    return render(request, "storefront/unsubscribe.html", {"email": email, "token": token})


@never_cache
@require_GET
def click_view(request, token: str):
    try:
        url = campaign_click(token=token)
    except InvalidInput:
        raise Http404 from None
    return HttpResponseRedirect(url)
