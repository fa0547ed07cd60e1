"""Forms of the Data pages: upload a file to import, and map its columns."""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.integrations.selectors.imports import (
    import_entity_choices,
    import_mappings_list,
    import_option_choices,
)


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("What the file holds"), choices=())
    file = forms.FileField(
        label=_("File"), help_text=_("CSV, Excel (.xlsx), JSON or NDJSON; UTF-8 or GBK")
    )
    mapping = forms.ChoiceField(label=_("Saved column mapping"), required=False, choices=())
    encoding = forms.ChoiceField(label=_("Text encoding"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = import_entity_choices()
        self.fields["mapping"].choices = [("", _("Match columns by name"))] + [
            (m.name, f"{m.name} ({m.get_entity_display()})") for m in import_mappings_list()[:100]
        ]
        self.fields["encoding"].choices = [("", _("Detect"))] + import_option_choices()["encoding"]


class OptionsForm(forms.Form):
    """The file's options, beside the column mapping."""

    date_format = forms.ChoiceField(label=_("Dates"), choices=())
    decimal = forms.ChoiceField(label=_("Decimal separator"), choices=())
    region = forms.CharField(
        label=_("Phone country"),
        required=False,
        max_length=2,
        help_text=_("For numbers written without +country code, e.g. GB or CN"),
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Optional: a name, to use the mapping for the next file"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = import_option_choices()
        self.fields["date_format"].choices = choices["date_format"]
        self.fields["decimal"].choices = choices["decimal"]
