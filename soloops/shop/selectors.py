"""Reads of the shop profile (kept in the process: every request asks for it) and the mail setup."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation

from soloops.process_cache import Stamped
from soloops.shop.models import ShopProfile

FIELDS = (
    "name",
    "contact_email",
    "currency",
    "time_zone",
    "language",
    "prices_include_tax",
    "payment_instructions",
)


@dataclass(frozen=True)
class ShopProfileView:
    name: str
    contact_email: str  # "" until the owner gives one: notices go to every owner's address
    currency: str
    time_zone: str
    language: str
    prices_include_tax: bool
    payment_instructions: str  # for customers paying by bank transfer; "" until the owner writes it
    saved: bool  # False: nobody saved the profile yet, these are the environment's values
    updated_at: datetime | None = None


def _defaults() -> dict:
    """A fresh install's profile: what the environment says (read now, not at import)."""
    return {
        "name": settings.SHOP_NAME,
        "contact_email": "",
        "currency": settings.SHOP_CURRENCY,
        "time_zone": settings.TIME_ZONE,
        "language": settings.LANGUAGE_CODE,
        # Catalogue prices exclude tax until the owner says otherwise: the meaning they always had.
        "prices_include_tax": False,
        "payment_instructions": "",
    }


def _load() -> dict:
    """The saved row as plain data ({} when there is none)."""
    return ShopProfile.objects.filter(pk=1).values(*FIELDS, "updated_at").first() or {}


# The saved row, kept in each process; ``shop_profile_update`` marks it changed.
STORED = Stamped("shop_profile", _load)


def shop_profile() -> ShopProfileView:
    """The shop's profile. No query while the process holds it (saving it marks it changed)."""
    stored = STORED.get()
    values = {**_defaults(), **{k: v for k, v in stored.items() if k in FIELDS}}
    return ShopProfileView(**values, saved=bool(stored), updated_at=stored.get("updated_at"))


def shop_zone() -> tzinfo:
    """The shop's time zone (the settings' TIME_ZONE if the saved name is not known here)."""
    try:
        return zoneinfo.ZoneInfo(shop_profile().time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def shop_currency() -> str:
    return shop_profile().currency


def shop_name() -> str:
    return shop_profile().name


def owner_notice_addresses() -> list[str]:
    """Where notices for the owner go: the shop's contact email, else every active owner's."""
    from soloops.accounts.selectors import owners_emails

    contact = shop_profile().contact_email
    return [contact] if contact else owners_emails()


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """Every IANA time zone this machine knows (reading the zone database once)."""
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=8)
def _currencies(language: str) -> tuple[tuple[str, str], ...]:
    from babel import Locale
    from babel.numbers import list_currencies

    names = Locale.parse("zh_Hans" if language.startswith("zh") else "en").currencies
    return tuple((code, names.get(code, code)) for code in sorted(list_currencies()))


def currencies() -> tuple[tuple[str, str], ...]:
    """ISO 4217 codes with their names in the active language: ``(("EUR", "Euro"), ...)``."""
    return _currencies(translation.get_language() or "en")


# Babel's territories that are not countries an address can be in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=8)
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    from babel import Locale

    names = Locale.parse("zh_Hans" if language.startswith("zh") else "en").territories
    pairs = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(pairs, key=lambda pair: pair[1]))


def countries() -> tuple[tuple[str, str], ...]:
    """ISO 3166 country codes with their names in the active language, by name:
    ``(("AF", "Afghanistan"), ...)``."""
    return _countries(translation.get_language() or "en")


def country_name(code: str) -> str:
    """The country's name in the active language; the code itself when it is not one."""
    return dict(countries()).get((code or "").upper(), code)


@dataclass(frozen=True)
class MailSettings:
    """How email leaves the shop. The password itself is never part of it."""

    transport: str  # smtp, file, console, memory, or the backend's dotted path
    host: str
    port: int | None
    username: str
    password_set: bool
    security: str  # "STARTTLS", "SSL/TLS" or "" (none)
    path: str  # where the file backend writes
    sender: str  # the From address (SOLOOPS_FROM_EMAIL)


_TRANSPORTS = {
    "django.core.mail.backends.smtp.EmailBackend": "smtp",
    "django.core.mail.backends.filebased.EmailBackend": "file",
    "django.core.mail.backends.console.EmailBackend": "console",
    "django.core.mail.backends.locmem.EmailBackend": "memory",
}


def mail_settings() -> MailSettings:
    mailer = settings.MAILERS.get("default", {})
    options = mailer.get("OPTIONS", {})
    backend = mailer.get("BACKEND", "")
    transport = _TRANSPORTS.get(backend, backend)
    security = "SSL/TLS" if options.get("use_ssl") else "STARTTLS" if options.get("use_tls") else ""
    return MailSettings(
        transport=transport,
        host=str(options.get("host", "")) if transport == "smtp" else "",
        port=options.get("port") if transport == "smtp" else None,
        username=str(options.get("username", "")),
        password_set=bool(options.get("password")),
        security=security,
        path=str(options.get("file_path", "")),
        sender=settings.DEFAULT_FROM_EMAIL,
    )
