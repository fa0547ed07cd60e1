"""The owner's answer to one item waiting in Decisions: approve or reject, with a note.

Rejecting needs a reason (it is kept with the order, the run or the purchase order and shown
on its timeline); approving takes an optional note. Which button was pressed is the
``decision`` field: the form has two submit buttons named ``decision``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from soloops.dashboard.waiting import APPROVAL, KINDS, ORDER, PRICE, PURCHASE_ORDER
from soloops.errors import ApplicationError

APPROVE, REJECT = "approve", "reject"
NOTE_MAX = 500
# A service error's ``field`` → the form field it belongs beside.
SERVICE_FIELDS = {"reason": "note", "note": "note"}


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in KINDS], widget=forms.HiddenInput)
    ref = forms.CharField(max_length=40, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_("Needed to reject: say why."),
        required=False,
        max_length=NOTE_MAX,
        # A textarea: Enter in a one-line field would submit with the first button (approve).
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, item=None, **kwargs):
        data = args[0] if args else kwargs.get("data")
        if item is not None:
            kind, ref = item.kind, item.ref
            kwargs.setdefault("initial", {"kind": kind, "ref": ref})
        else:
            kind, ref = (data.get("kind", ""), data.get("ref", "")) if data else ("", "")
        # Ids unique to the item, so each note's <label for> finds its own field, also when
        # a refused answer comes back with its errors.
        kwargs.setdefault("auto_id", f"id_{kind}_{ref}_%s")
        super().__init__(*args, **kwargs)
        if kind == PURCHASE_ORDER:
            self.fields["note"].label = _("Reason")
            self.fields["note"].help_text = _("Needed to cancel the draft: say why.")
        elif kind == APPROVAL:
            self.fields["note"].help_text = _("Kept with the run; needed to reject.")
        elif kind == PRICE:
            self.fields["note"].help_text = _("Kept with the decision; needed to reject.")

    def clean(self):
        data = super().clean()
        if data.get("decision") == REJECT and not (data.get("note") or "").strip():
            message = (
                _("Say why you cancel this draft.")
                if data.get("kind") == PURCHASE_ORDER
                else _("Say why you reject it.")
            )
            self.add_error("note", message)
        return data

    def add_service_error(self, error: ApplicationError) -> None:
        """Show what the service refused beside the field it names (else above the form)."""
        self.add_error(SERVICE_FIELDS.get(error.field or ""), error.message)


# The two buttons of each kind: (approve label, reject label).
BUTTONS = {
    ORDER: (_("Accept"), _("Reject")),
    APPROVAL: (_("Approve"), _("Reject")),
    PURCHASE_ORDER: (_("Send to supplier"), _("Cancel draft")),
    PRICE: (_("Change the price"), _("Keep the price")),
}
