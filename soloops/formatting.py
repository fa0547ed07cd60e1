"""How money reads to a person: per currency and per language, through Babel's CLDR data.

``EUR 1234.5`` is "€1,234.50" in English and "€1,234.50" / "¥1,234" style in Chinese; the
number of decimals comes from the currency (JPY has none), never from a hard-coded 2.
"""

from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, format_currency
from django.utils import translation

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
