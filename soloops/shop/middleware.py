"""Each request runs in the shop's time zone and, for a visitor whose browser names no language
we speak, in the shop's default language. The profile comes from the cache: no query."""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header

from soloops.shop.selectors import shop_profile


def _browser_or_cookie_language(request) -> bool:
    """True when the visitor's cookie or browser chose a language we have (LocaleMiddleware
    then used it); False when it fell back to the default."""
    supported = {code for code, _name in settings.LANGUAGES}
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie and cookie in supported:
        return True
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            translation.get_supported_language_variant(code)
        except LookupError:
            continue
        return True
    return False


# Machine endpoints show no dates or text to a person; they answer without reading the profile
# (a provider's webhook or a health probe must not depend on the cache or the shop row).
MACHINE_PATHS = ("/webhooks/", "/hooks/", "/healthz", "/readyz", "/static/")


class ShopMiddleware:
    """After LocaleMiddleware, before UserLanguageMiddleware (a person's own choice wins)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(MACHINE_PATHS):
            return self.get_response(request)
        profile = shop_profile()
        try:
            timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()  # the settings' TIME_ZONE
        if profile.language != settings.LANGUAGE_CODE and not _browser_or_cookie_language(request):
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
