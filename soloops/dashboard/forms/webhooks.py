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


class ChannelForm(forms.Form):
    """A sales channel's settings; the SKU map is one ``channel SKU = our SKU`` per line."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Platform"), choices=())
    secret = forms.CharField(
        label=_("Webhook secret"),
        max_length=200,
        required=False,
        help_text=_("Shopify: paste the secret Shopify shows for webhooks. Empty: one is made."),
    )
    api_url = forms.URLField(
        label=_("Store address"),
        max_length=300,
        required=False,
        help_text=_("For the catch-up poll, e.g. https://my-shop.myshopify.com"),
    )
    api_token = forms.CharField(
        label=_("API token"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Shopify: an Admin API access token; WooCommerce: key:secret."),
    )
    sku_map = forms.CharField(
        label=_("SKU mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: the channel's SKU = ours. Others are taken as they are."),
    )

    def __init__(self, *args, kinds=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if editing:
            del self.fields["kind"]
            self.fields["secret"].help_text = _("Empty: keep the current secret.")
            self.fields["api_token"].help_text = _("Empty: keep the current token.")

    def clean_sku_map(self) -> dict:
        mapping = {}
        for number, line in enumerate(self.cleaned_data["sku_map"].splitlines(), start=1):
            if not line.strip():
                continue
            theirs, sep, ours = line.partition("=")
            if not sep or not theirs.strip() or not ours.strip():
                raise forms.ValidationError(
                    _("line %(n)s: write it as CHANNEL-SKU = OUR-SKU") % {"n": number}
                )
            mapping[theirs.strip()] = ours.strip()
        return mapping
