"""Forms of Settings → Webhooks: subscribe a URL (or change one), pause with a reason."""

from django import forms
from django.utils.translation import gettext_lazy as _


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What receives it, e.g. “Accounting sync”. Empty: the URL's host."),
    )
    url = forms.CharField(
        label=_("URL"), max_length=500, help_text=_("Where SoloOps POSTs each event (https://…).")
    )
    event_types = forms.CharField(
        label=_("Event types"),
        max_length=2000,
        help_text=_(
            "Separated by commas or spaces: order.placed, order.* for every order event, "
            "* for everything."
        ),
    )

    def clean_event_types(self) -> list[str]:
        raw = self.cleaned_data["event_types"].replace(",", " ")
        return [part for part in raw.split() if part]


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
