"""How money and dates read to a person: one format per language, the shop's time zone.

Money goes through Babel's CLDR data: ``EUR 1234.5`` is "€1,234.50"; the number of decimals
comes from the currency (JPY has none), never from a hard-coded 2. Dates go through Django's
named formats, which ``soloops/formats/<locale>/formats.py`` define once per language
("6 Dec 2026, 18:42" / "2026年12月6日 18:42"), in the active (the shop's) time zone. Pages,
emails, PDFs and stored sentences (risk reasons) all call these functions, so a shop shows one
date format and one money format.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, format_currency
from django.utils import formats, timezone, translation
from django.utils.translation import pgettext

# Django's language codes → the CLDR locale whose number conventions we show.
_LOCALES = {"en": "en", "zh-hans": "zh_Hans_CN"}


def money_display(amount: Decimal | int | str | None, currency: str) -> str:
    if amount in (None, ""):
        return ""
    locale = _LOCALES.get(translation.get_language() or "en", "en")
    try:
        return format_currency(Decimal(amount), currency, locale=locale)
    except (UnknownCurrencyError, ValueError):
        return f"{Decimal(amount):,.2f} {currency}"
    except InvalidOperation:
        return f"{amount} {currency}"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def datetime_display(value: datetime | str | None, *, seconds: bool = False) -> str:
    """A moment as the reader's language writes it, in the shop's time zone; ``seconds`` for
    the few places where they matter (a flow run's steps)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _parse(value)
        if isinstance(value, str):
            return value
    if not isinstance(value, datetime):
        return date_display(value)
    pattern = formats.get_format("DATETIME_FORMAT")
    if seconds:
        pattern = pattern.replace("H:i", "H:i:s")
    return formats.date_format(_local(value), pattern)


def _parse(value: str) -> date | datetime | str:
    """An ISO date or moment from JSON (an email's context, an event's payload); any other
    text stays as it is."""
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            return parse(value)
        except ValueError:
            continue
    return value


def date_display(value: date | datetime | str | None, *, weekday: bool = False) -> str:
    """A day as the reader's language writes it (a moment becomes the shop's day)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _parse(value)
        if isinstance(value, str):
            return value
    if isinstance(value, datetime):
        value = _local(value).date()
    text = formats.date_format(value, "DATE_FORMAT")
    if weekday:
        return pgettext("a date with its weekday", "%(weekday)s, %(date)s") % {
            "weekday": formats.date_format(value, "l"),
            "date": text,
        }
    return text


def date_placeholder() -> str:
    """How a typed date should look, shown in empty date fields (today, as an example)."""
    return date_display(timezone.localdate())


def delivery_days_display(days_min: int | None, days_max: int | None) -> str:
    """A delivery method's promise: "3-5 days", "2 days", "" when none was given."""
    from django.utils.translation import gettext, ngettext

    low, high = days_min or days_max, days_max or days_min
    if not high:
        return ""
    if low == high:
        return ngettext("%(days)d day", "%(days)d days", high) % {"days": high}
    return gettext("%(low)d–%(high)d days") % {"low": low, "high": high}  # noqa: RUF001
