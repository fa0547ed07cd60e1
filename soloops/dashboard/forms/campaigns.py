"""Forms of the campaigns pages: a new campaign, its schedule, a test send."""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.customers.selectors import RFM_SEGMENTS, segments_list


def segment_choices() -> list[tuple[str, str]]:
    saved = [(s.key, s.name) for s in segments_list()]
    return [(_("Saved segments"), saved), (_("Named segments"), list(RFM_SEGMENTS))]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    segment = forms.ChoiceField(label=_("Send to segment"))
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=300)
    body_en = forms.CharField(
        label=_("Text (English)"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    subject_zh = forms.CharField(label=_("Subject (Chinese)"), max_length=300)
    body_zh = forms.CharField(
        label=_("Text (Chinese)"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    subject_en_b = forms.CharField(
        label=_("Second subject to test (English)"),
        max_length=300,
        required=False,
        help_text=_("Optional: every other customer gets this one; the results say which won."),
    )
    subject_zh_b = forms.CharField(
        label=_("Second subject to test (Chinese)"), max_length=300, required=False
    )
    link_url = forms.URLField(
        label=_("Link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Where the email's button leads; clicks are counted."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = segment_choices()


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=_("Send at (shop time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )


class TestSendForm(forms.Form):
    to = forms.EmailField(label=_("Send a test to"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", _("English")), ("zh-hans", _("Chinese"))]
    )
