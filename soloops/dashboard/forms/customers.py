"""Forms of the customers section: the list's filters, contact data, consent, tags, notes,
and the owner's privacy actions (each confirmed by typing the customer's email)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.customers.selectors import RFM_SEGMENTS, CustomerFilters, segments_list
from soloops.dashboard.forms.dates import DayField

LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]


def _no_nul(value: str) -> str:
    if "\x00" in value:  # PostgreSQL cannot compare text holding NUL
        raise forms.ValidationError(_("Remove the NUL character."))
    return value.strip()


class CustomerFiltersForm(forms.Form):
    """The list's GET filters. An invalid one is shown beside its field and not applied."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=254,
        help_text=_("Name, email, phone or order number."),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "ada@… / SO-2026-…"}),
    )
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, widget=forms.Select(attrs={"data-autosubmit": ""})
    )
    tag = forms.RegexField(
        label=_("Tag"),
        required=False,
        max_length=40,
        regex=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        error_messages={"invalid": _("A tag is letters, digits, '-' or '_'.")},
    )
    min_spent = forms.DecimalField(
        label=_("Spent at least"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    max_spent = forms.DecimalField(
        label=_("Spent at most"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    last_order_from = DayField(label=_("Last order from"), required=False)
    last_order_to = DayField(label=_("Last order to"), required=False)
    consent = forms.ChoiceField(
        label=_("Marketing consent"),
        required=False,
        choices=[("", _("Anyone")), ("yes", _("Opted in")), ("no", _("Not opted in"))],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = segment_choices()

    def clean_q(self) -> str:
        return _no_nul(self.cleaned_data["q"])

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("last_order_from"), data.get("last_order_to")
        if start and end and end < start:
            self.add_error("last_order_to", _("The end date is before the start date."))
        low, high = data.get("min_spent"), data.get("max_spent")
        if low is not None and high is not None and high < low:
            self.add_error("max_spent", _("The most is below the least."))
        return data

    def filters(self) -> CustomerFilters:
        """What passed validation (call after ``is_valid()``); an invalid field filters nothing."""
        data = getattr(self, "cleaned_data", {})
        consent = data.get("consent")
        return CustomerFilters(
            q=data.get("q") or None,
            segment=data.get("segment") or None,
            tag=(data.get("tag") or "").lower() or None,
            min_spent=data.get("min_spent"),
            max_spent=data.get("max_spent"),
            last_order_from=data.get("last_order_from"),
            last_order_to=data.get("last_order_to"),
            consent={"yes": True, "no": False}.get(consent),
        )

    @property
    def active(self) -> bool:
        return any(v is not None for v in self.filters().__dict__.values())


def segment_choices() -> list:
    """Any segment, the named ones, then the owner's saved ones."""
    saved = [(s.key, s.name) for s in segments_list()]
    choices = [("", _("Any segment")), (_("Named segments"), list(RFM_SEGMENTS))]
    if saved:
        choices.append((_("Saved segments"), saved))
    return choices


class SegmentForm(forms.Form):
    """A saved segment: a name and its rules; empty rules match everyone."""

    key = forms.SlugField(label=_("Key"), max_length=40, help_text=_("e.g. big-spenders"))
    name = forms.CharField(label=_("Name"), max_length=120)
    min_spent = forms.DecimalField(
        label=_("Spent at least"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    max_spent = forms.DecimalField(
        label=_("Spent at most"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    tag = forms.CharField(label=_("Tag"), max_length=40, required=False)
    rfm_segment = forms.ChoiceField(
        label=_("Named segment"), required=False, choices=[("", "—"), *RFM_SEGMENTS]
    )
    not_ordered_days = forms.IntegerField(
        label=_("Not ordered in (days)"), required=False, min_value=1, max_value=3650
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", "—"), *LANGUAGES]
    )
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two letters, e.g. DE")
    )
    bought_sku = forms.CharField(label=_("Bought SKU"), max_length=64, required=False)

    RULES = ("min_spent", "max_spent", "tag", "rfm_segment", "not_ordered_days", "language",
             "country", "bought_sku")  # fmt: skip

    def rules(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in self.RULES if data.get(k) not in (None, "")}


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)

    def clean_name(self) -> str:
        return _no_nul(self.cleaned_data["name"])

    def clean_phone(self) -> str:
        return _no_nul(self.cleaned_data["phone"])


class ConsentForm(forms.Form):
    consent = forms.TypedChoiceField(
        label=_("Marketing email"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Opted in")), ("no", _("Not opted in"))],
        help_text=_("Only customers who opted in get marketing email; set it as they asked."),
    )


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Tag"), max_length=40)

    def clean_tag(self) -> str:
        return _no_nul(self.cleaned_data["tag"])


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_text(self) -> str:
        return _no_nul(self.cleaned_data["text"])


class ConfirmEmailForm(forms.Form):
    """Export and erase: the owner types the customer's email (the service checks it)."""

    confirm = forms.CharField(label=_("Type the customer's email to confirm"), max_length=254)


class MergeForm(ConfirmEmailForm):
    into = forms.EmailField(
        label=_("Merge into the customer with email"),
        max_length=254,
        help_text=_("That customer keeps everything: orders, notes, tags and history."),
    )
