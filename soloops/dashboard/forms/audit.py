"""The audit log's filters: who (a kind of actor, a name), what (an event type or family) and
when (days in the shop's time zone)."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soloops.dashboard.forms.dates import DayField
from soloops.events.selectors import AuditFilters
from soloops.shop.selectors import shop_zone

ACTOR_KINDS = [
    ("", _("Anyone")),
    ("user", _("Person")),
    ("token", _("API token")),
    ("flow_run", _("Flow run")),
    ("system", _("System")),
]


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Who"), choices=ACTOR_KINDS, required=False)
    actor = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        help_text=_("As recorded: a username, or “person · token name” for a token."),
    )
    type = forms.RegexField(
        label=_("What"),
        regex=r"^[a-z0-9_]+(\.[a-z0-9_]*)*\*?$",
        max_length=64,
        required=False,
        help_text=_("An event type (order.cancelled) or a family (order.)."),
        error_messages={"invalid": _("Write an event type like order.cancelled, or order.")},
    )
    start = DayField(label=pgettext_lazy("first day", "From"), required=False)
    end = DayField(label=pgettext_lazy("last day", "To"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The last day comes before the first."))
        return data

    def filters(self) -> AuditFilters:
        """The filters to apply: the fields that are right (a wrong one shows its error)."""
        if not self.is_bound:
            return AuditFilters()
        self.is_valid()  # fills cleaned_data with the fields that are right
        data = self.cleaned_data
        zone = shop_zone()

        def midnight(day) -> datetime | None:
            return datetime.combine(day, time(), tzinfo=zone) if day else None

        end = data.get("end")
        return AuditFilters(
            actor_kind=data.get("kind") or "",
            actor=(data.get("actor") or "").strip(),
            type=data.get("type") or "",
            start=midnight(data.get("start")),
            end=midnight(end + timedelta(days=1)) if end else None,
        )
