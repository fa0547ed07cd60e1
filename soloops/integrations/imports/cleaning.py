"""Cleaning rules: each turns one cell into a clean value or raises ``CellError`` with a
message an owner can act on, and counts the cells it changed (the report lists every rule).

``Cleaner`` carries the per-file choices (date format, decimal separator, phone region).
"""

import re
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Rule names as the report shows them.
RULES = {
    "trim": gettext_lazy("spaces trimmed and collapsed"),
    "email_lowercase": gettext_lazy("emails lower-cased"),
    "phone_e164": gettext_lazy("phone numbers written as E.164"),
    "country_iso": gettext_lazy("countries written as ISO codes"),
    "decimal_comma": gettext_lazy("decimal commas read as points"),
    "thousands": gettext_lazy("thousands separators removed"),
    "date": gettext_lazy("dates read in the file's format"),
    "excel_date": gettext_lazy("Excel serial dates converted"),
    "boolean": gettext_lazy("yes/no words read as true/false"),
    "formula_unescape": gettext_lazy("apostrophes before formula-like text removed"),
}
DATE_FORMATS = {
    "auto": gettext_lazy("Automatic (ISO 2025-12-31 or 31.12.2025)"),
    "dmy": gettext_lazy("Day first (31/12/2025)"),
    "mdy": gettext_lazy("Month first (12/31/2025)"),
}
DECIMALS = {
    "auto": gettext_lazy("Automatic"),
    ".": gettext_lazy("Point (12.50)"),
    ",": gettext_lazy("Comma (12,50)"),
}
TRUE = {"yes", "y", "true", "t", "1", "x", "on", "是", "真", "对", "有"}
FALSE = {"no", "n", "false", "f", "0", "off", "", "否", "假", "无", "不"}
SPACES = re.compile(r"\s+")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """The cell's value cannot be used; the message says why, quoting the value."""


def _quoted(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


class Cleaner:
    def __init__(self, *, date_format: str = "auto", decimal: str = "auto", region: str = ""):
        self.date_format = date_format if date_format in DATE_FORMATS else "auto"
        self.decimal = decimal if decimal in DECIMALS else "auto"
        self.region = (region or "").upper()
        self.rules: Counter[str] = Counter()

    # --- text ---------------------------------------------------------------------------
    def text(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # Excel gives 1001.0 for a SKU typed as 1001
        raw = str(value)
        clean = SPACES.sub(" ", raw).strip()
        if clean != raw:
            self.rules["trim"] += 1
        # An export (ours, or a spreadsheet's) writes '=... so that it is not run as a formula.
        if clean[:1] == "'" and clean[1:2] in {"=", "+", "-", "@"}:
            clean = clean[1:]
            self.rules["formula_unescape"] += 1
        return clean

    def email(self, value) -> str:
        text = self.text(value)
        lower = text.lower()
        if lower != text:
            self.rules["email_lowercase"] += 1
        if lower:
            try:
                validate_email(lower)
            except ValidationError:
                raise CellError(
                    _("%(value)s is not an email address") % {"value": _quoted(text)}
                ) from None
        return lower

    # --- numbers ------------------------------------------------------------------------
    def decimal_value(self, value) -> Decimal | None:
        if isinstance(value, bool):
            raise CellError(_("%(value)s is not a number") % {"value": _quoted(value)})
        if isinstance(value, int | Decimal):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        text = self.text(value).replace("\u00a0", "").replace(" ", "").replace("'", "")
        for symbol in "$€£¥￥":
            text = text.replace(symbol, "")
        if not text:
            return None
        normal = self._separators(text)
        if not NUMBER.fullmatch(normal):
            raise CellError(_("%(value)s is not a number") % {"value": _quoted(value)})
        try:
            return Decimal(normal)
        except InvalidOperation:
            raise CellError(_("%(value)s is not a number") % {"value": _quoted(value)}) from None

    def _separators(self, text: str) -> str:
        """ "1.234,50" / "1,234.50" / "12,50" / "1,234" → a plain decimal string."""
        point, comma = "." in text, "," in text
        decimal = self.decimal
        if decimal == "auto":
            if point and comma:
                decimal = "," if text.rfind(",") > text.rfind(".") else "."
            elif comma:
                # "1,234" and "12,345,678" are thousands; "12,5" and "12,50" decimal commas.
                decimal = "." if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text) else ","
            else:
                decimal = "."
        thousands = "," if decimal == "." else "."
        if thousands in text:
            grouped = re.fullmatch(rf"[+-]?\d{{1,3}}(\{thousands}\d{{3}})+(\{decimal}\d+)?", text)
            if not grouped:
                return "x"  # separators in the wrong places: not a number
            text = text.replace(thousands, "")
            self.rules["thousands"] += 1
        if decimal == "," and "," in text:
            text = text.replace(",", ".")
            self.rules["decimal_comma"] += 1
        return text

    def integer(self, value) -> int | None:
        number = self.decimal_value(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise CellError(_("%(value)s is not a whole number") % {"value": _quoted(value)})
        return int(number)

    def boolean(self, value) -> bool | None:
        if isinstance(value, bool):
            return value
        text = self.text(value).lower()
        if text == "":
            return None
        if text in TRUE:
            self.rules["boolean"] += text not in {"true", "1"}
            return True
        if text in FALSE:
            self.rules["boolean"] += text not in {"false", "0"}
            return False
        raise CellError(_("%(value)s is not yes or no") % {"value": _quoted(value)})

    # --- dates --------------------------------------------------------------------------
    def date_value(self, value) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._excel(value)
        text = self.text(value)
        if not text:
            return None
        if re.fullmatch(r"\d{4,5}(\.\d+)?", text):
            return self._excel(float(text))
        found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text)
        if found:
            return self._make(text, *map(int, found.groups()))
        found = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})", text)
        if not found:
            raise CellError(_("%(value)s is not a date") % {"value": _quoted(value)})
        a, sep, b, year = int(found[1]), found[2], int(found[3]), int(found[4])
        order = self.date_format
        if order == "auto":
            if sep == "." or a > 12:
                order = "dmy"
            elif b > 12:
                order = "mdy"
            else:
                raise CellError(
                    _("%(value)s could be day or month first; choose the file's date format")
                    % {"value": _quoted(value)}
                )
        day, month = (a, b) if order == "dmy" else (b, a)
        self.rules["date"] += 1
        return self._make(text, year, month, day)

    def _make(self, text: str, year: int, month: int, day: int) -> date:
        try:
            return date(year, month, day)
        except ValueError:
            raise CellError(_("%(value)s is not a date") % {"value": _quoted(text)}) from None

    def _excel(self, serial: float) -> date:
        if not 1 <= serial < 2958466:
            raise CellError(_("%(value)s is not a date") % {"value": _quoted(serial)})
        self.rules["excel_date"] += 1
        return EXCEL_EPOCH + timedelta(days=int(serial))

    # --- people and places --------------------------------------------------------------
    def country(self, value) -> str:
        text = self.text(value)
        if not text:
            return ""
        code = country_codes().get(text.casefold())
        if not code:
            raise CellError(_("%(value)s is not a country") % {"value": _quoted(value)})
        if code != text:
            self.rules["country_iso"] += 1
        return code

    def phone(self, value, *, country: str = "") -> str:
        import phonenumbers

        text = self.text(value)
        if not text:
            return ""
        try:
            number = phonenumbers.parse(text, country or self.region or None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise CellError(
                _("%(value)s is not a phone number (give +country code, or a country)")
                % {"value": _quoted(value)}
            )
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 != text:
            self.rules["phone_e164"] += 1
        return e164

    def report(self) -> dict[str, int]:
        return {rule: n for rule, n in sorted(self.rules.items()) if n}


@cache
def country_codes() -> dict[str, str]:
    """Every way to name a country we accept → its ISO 3166 alpha-2 code: the code itself,
    the alpha-3 code, and the English and Chinese names (Babel's CLDR data)."""
    import pycountry
    from babel import Locale

    table: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (
            c.alpha_2,
            c.alpha_3,
            c.name,
            getattr(c, "common_name", ""),
            getattr(c, "official_name", ""),
        ):
            if name:
                table[name.casefold()] = c.alpha_2
    for lang in ("en", "zh", "zh_Hant"):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                table.setdefault(name.casefold(), code)
    table.update(
        {
            "uk": "GB",
            "usa": "US",
            "u.s.": "US",
            "u.s.a.": "US",
            "england": "GB",
            "中国大陆": "CN",
            "美国": "US",
            "英国": "GB",
        }
    )
    return table
