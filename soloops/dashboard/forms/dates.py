"""A date field that reads and writes the console's one date format.

The browser's date picker writes the order of the computer's locale (mm/dd/yyyy on a US-set
laptop in a euro shop), whatever the page's language. This field shows "6 Dec 2026" /
"2026年12月6日" like every date on the page, and accepts that or ISO (2026-12-06).
"""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.formatting import date_display, date_placeholder


class DayInput(forms.DateInput):
    input_type = "text"

    def format_value(self, value):
        """A day (or an ISO day from a link, e.g. Today's tiles) in the one format; anything
        else as it was typed, so a mistake stays visible beside its error."""
        if isinstance(value, date | str) and value:
            return date_display(value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", date_placeholder())
        return context


class DayField(forms.DateField):
    widget = DayInput

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DayInput(attrs={"autocomplete": "off", "size": 12}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _("Enter a date like %(example)s.")

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                self.error_messages["invalid"] % {"example": date_placeholder()}, code="invalid"
            ) from None
