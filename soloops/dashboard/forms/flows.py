"""Forms of the flows section: the editor, dry runs, publishing, switching, the runs filter
and run decisions. They parse and validate input; the automation services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.errors import ApplicationError
from soloops.formatting import datetime_display

EDITOR = "editor"  # the dry-run "version" that means the unsaved text in the editor
# Paths the console uses under /flows/; a flow with one of these keys could not be opened.
RESERVED_KEYS = {"new", "runs"}
MAX_SOURCE = 100_000


def attach_error(form: forms.Form, error: ApplicationError) -> None:
    """A service error beside the field it names, else above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class FlowSourceForm(forms.Form):
    """The editor: a flow document in YAML (or JSON), as tall as the document (within reason)."""

    source = forms.CharField(
        label=_("Flow document (YAML)"),
        max_length=MAX_SOURCE,
        strip=False,
        widget=forms.Textarea(
            attrs={"class": "code", "rows": 12, "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = (self.data.get(self.add_prefix("source")) if self.is_bound else None) or str(
            self.initial.get("source", "")
        )
        self.fields["source"].widget.attrs["rows"] = max(8, min(text.count("\n") + 3, 40))


class NewFlowForm(FlowSourceForm):
    key = forms.SlugField(
        label=_("Key"),
        max_length=100,
        required=False,
        help_text=_(
            "Lower-case letters, digits and dashes; names the flow in URLs and the command "
            "line. Left empty, it is made from the name."
        ),
    )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].lower()
        if key in RESERVED_KEYS:
            raise forms.ValidationError(
                _("“%(key)s” is reserved; choose another key."), params={"key": key}
            )
        return key


class DryRunForm(forms.Form):
    """Which version (or the editor's text) to try against which past event."""

    version = forms.ChoiceField(label=_("Version"))
    # A select of recent events, but any stored event id is accepted (the selector checks it).
    event = forms.IntegerField(
        label=_("Recent event"),
        min_value=1,
        required=False,
        widget=forms.Select,
    )
    event_id = forms.IntegerField(
        label=_("…or event id"),
        min_value=1,
        required=False,
    )
    source = forms.CharField(
        required=False, max_length=MAX_SOURCE, strip=False, widget=forms.HiddenInput
    )

    def __init__(
        self, *args, versions=(), events=(), editor: bool = False, published=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        choices = [(EDITOR, _("Editor text (unsaved)"))] if editor else []
        for version in versions:
            label = _("Version %(number)s") % {"number": version.number}
            if published is not None and version.pk == published:
                label = _("Version %(number)s (published)") % {"number": version.number}
            choices.append((str(version.number), label))
        self.fields["version"].choices = choices
        self.fields["event"].widget.choices = [("", _("— choose an event —"))] + [
            (str(event.pk), event_label(event)) for event in events
        ]
        if not editor:
            del self.fields["source"]

    def chosen_event(self) -> int | None:
        """The typed id wins over the list."""
        return self.cleaned_data.get("event_id") or self.cleaned_data.get("event")

    def version_number(self) -> int | None:
        value = self.cleaned_data["version"]
        return None if value == EDITOR else int(value)


def event_label(event) -> str:
    number = event.payload.get("number") if isinstance(event.payload, dict) else None
    about = number or f"{event.subject_type} {event.subject_id}"
    when = datetime_display(event.created_at)
    return f"{about} · {when} · #{event.pk}"


class PublishForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class SwitchForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("on", _("On")), ("off", _("Off"))], coerce=lambda v: v == "on"
    )
    next = forms.CharField(required=False, max_length=500)


class RunFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, widget=forms.Select(attrs={"data-autosubmit": ""})
    )
    flow = forms.ChoiceField(
        label=_("Flow"), required=False, widget=forms.Select(attrs={"data-autosubmit": ""})
    )

    def __init__(self, *args, statuses=(), flows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        self.fields["flow"].choices = [("", _("Any flow")), *flows]


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)
