"""Forms of the inbox: the list's filters and the reply box."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.support.selectors import (
    CONVERSATION_CHANNELS,
    CONVERSATION_STATUSES,
    INTENT_LABELS,
    ConversationFilters,
)
from soloops.support.services import MESSAGE_MAX


class InboxFiltersForm(forms.Form):
    """The inbox's GET filters. An invalid one is shown beside its field and not applied."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *CONVERSATION_STATUSES],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *CONVERSATION_CHANNELS],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    intent = forms.ChoiceField(
        label=_("Intent"),
        required=False,
        choices=[("", _("Any intent")), *INTENT_LABELS.items()],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    email = forms.EmailField(label=_("Customer email"), required=False, max_length=254)
    order = forms.CharField(
        label=_("Order number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SO-2026-…"}),
    )

    @property
    def active(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).values())

    def filters(self) -> ConversationFilters:
        data = getattr(self, "cleaned_data", {})
        return ConversationFilters(
            status=data.get("status") or None,
            channel=data.get("channel") or None,
            intent=data.get("intent") or None,
            email=data.get("email") or None,
            order_number=(data.get("order") or "").strip() or None,
        )


class ReplyForm(forms.Form):
    """The shop's answer. ``key`` is made when the form is shown, so a double submit of the
    same form sends one email."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
