"""The inbox: every conversation with customers, unanswered first, and one conversation with
the order beside it (status, lines, shipments with their tracking) and a reply box.

A reply is emailed through the emails pipeline; the form's key makes a double submit send one.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from soloops.dashboard import timeline
from soloops.dashboard.access import console_view
from soloops.dashboard.forms.inbox import InboxFiltersForm, ReplyForm
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError, NotFound
from soloops.events.selectors import timeline_for_subjects
from soloops.formatting import money_display
from soloops.fulfillment.selectors import shipments_list
from soloops.payments.services import order_cancel_and_refund
from soloops.support import services
from soloops.support.selectors import (
    CONVERSATION_CHANNELS,
    CONVERSATION_STATUSES,
    INTENT_LABELS,
    ORDER_LINKS,
    conversation_get_for,
    conversations_list,
    support_figures,
)

REASONS = {
    "automated": gettext_lazy("an automatic message (out-of-office, auto-reply): not answered"),
    "after_auto_reply": gettext_lazy(
        "the customer wrote again after an automatic reply: a person answers now"
    ),
    "third_message": gettext_lazy("a third message in this conversation"),
    "complaint": gettext_lazy("a complaint"),
    "negative": gettext_lazy("the customer sounds upset: a person answers"),
    "low_confidence": gettext_lazy("SoloOps is not sure enough what is asked"),
    "no_order": gettext_lazy("no order could be linked"),
    "changes_money_or_goods": gettext_lazy(
        "it would change money or goods: the customer got an acknowledgement, you decide"
    ),
    "not_informational": gettext_lazy("not a question SoloOps answers by itself"),
}
HANDLING = {
    "auto": gettext_lazy("answered by SoloOps"),
    "acknowledge": gettext_lazy("acknowledged; waits for you"),
    "owner": gettext_lazy("waits for you"),
    "ignore": gettext_lazy("not answered (automatic message)"),
}
CANCELLABLE = ("placed", "on_hold", "accepted", "paid")
LIST = "dashboard/inbox/list.html"
DETAIL = "dashboard/inbox/conversation.html"


FIGURE_DAYS = 30


def _duration(value) -> str:
    """A wait as a person says it: "3 min", "2 h 5 min", "3 d 4 h"; "—" for none."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def _get(request, ref: str):
    try:
        return conversation_get_for(actor=request.actor, ref=ref)
    except NotFound:
        raise Http404(_("No conversation %(ref)s.") % {"ref": ref}) from None


def _labels(conversation, statuses: dict, channels: dict) -> None:
    conversation.status_label = statuses.get(conversation.status, conversation.status)
    conversation.channel_label = channels.get(conversation.channel, conversation.channel)
    conversation.intent_label = str(INTENT_LABELS.get(conversation.intent, ""))
    due = conversation.first_response_due_at
    conversation.overdue = bool(
        conversation.status == "open"
        and conversation.first_responded_at is None
        and due is not None
        and due < timezone.now()
    )


@console_view()
def index(request):
    form = InboxFiltersForm(request.GET or None)
    form.is_valid()  # an invalid filter is shown beside its field and not applied
    page = page_of(conversations_list(form.filters()), request)
    statuses = {value: str(label) for value, label in CONVERSATION_STATUSES}
    channels = {value: str(label) for value, label in CONVERSATION_CHANNELS}
    for conversation in page.items:
        _labels(conversation, statuses, channels)
    figures = support_figures(days=FIGURE_DAYS)
    context = {
        "section": "inbox",
        "figures": figures,
        "figure_days": FIGURE_DAYS,
        "first_response_median": _duration(figures.first_response_median),
        "first_response_p90": _duration(figures.first_response_p90),
        "satisfaction": [
            (str(INTENT_LABELS.get(intent, intent)), good, bad)
            for intent, good, bad in figures.satisfaction
        ],
        "form": form,
        "page": page,
        "filtered": form.is_bound and form.active,
    }
    return render(request, LIST, context)


def _detail(request, ref: str, reply_form: ReplyForm | None = None, status: int = 200):
    conversation = _get(request, ref)
    statuses = {value: str(label) for value, label in CONVERSATION_STATUSES}
    channels = {value: str(label) for value, label in CONVERSATION_CHANNELS}
    _labels(conversation, statuses, channels)
    order = conversation.order
    shipments = list(shipments_list(order=order)) if order is not None else []
    for shipment in shipments:  # a carrier's tracking URL is linked only if it is a web address
        url = shipment.tracking_url
        shipment.tracking_href = url if url.startswith(("https://", "http://")) else ""
    events = timeline_for_subjects(subjects={"support.conversation": [conversation.pk]})
    thread = list(conversation.messages.all())
    for message in thread:
        message.intent_label = str(
            INTENT_LABELS.get(message.corrected_intent or message.intent, "")
        )
        message.handling_label = str(HANDLING.get(message.handling, ""))
    context = {
        "section": "inbox",
        "conversation": conversation,
        "conversation_messages": thread,
        "order": order,
        "order_link_label": str(ORDER_LINKS.get(conversation.order_link, "")),
        "shipments": shipments,
        "reply_form": reply_form or ReplyForm(initial={"body": conversation.suggestion}),
        "reason": str(REASONS.get(conversation.escalation_reason, "")),
        "cancel_card": (
            conversation.intent == "cancel_order"
            and order is not None
            and order.status in CANCELLABLE
            and conversation.status == "open"
        ),
        "timeline": timeline.entries(events),
        "intent_choices": [(key, str(label)) for key, label in INTENT_LABELS.items()],
    }
    return render(request, DETAIL, context, status=status)


@console_view()
def conversation(request, ref: str):
    if request.method != "POST":
        return _detail(request, ref)
    found = _get(request, ref)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.conversation_reply(
                conversation=found,
                body=form.cleaned_data["body"],
                actor=request.actor,
                idempotency_key=f"console:{form.cleaned_data['key']}",
            )
        except ApplicationError as e:
            form.add_error("body" if e.field == "body" else None, e.message)
        else:
            messages.success(request, _("Reply sent to %(email)s.") % {"email": found.email})
            return redirect("dashboard:conversation", ref=ref)
    return _detail(request, ref, reply_form=form, status=400)


@console_view(role="staff")
@require_POST
def approve_cancel(request, ref: str):
    """The owner approves the customer's cancellation: the order is cancelled and refunded
    through payments' own service (once: a second approval finds it cancelled), then the
    customer is told, under a key of its own (one email)."""
    conversation = _get(request, ref)
    order = conversation.order
    if order is None:
        raise Http404(_("No order to cancel."))
    try:
        order, refunds = order_cancel_and_refund(
            order=order, actor=request.actor, reason=_("Customer asked (%(ref)s)") % {"ref": ref}
        )
        with translation.override(conversation.language):
            body = _("Your order %(number)s is cancelled.") % {"number": order.number}
            if refunds:
                body += " " + _("We are refunding %(amount)s to your payment method.") % {
                    "amount": money_display(sum(r.amount for r in refunds), order.currency)
                }
        services.conversation_reply(
            conversation=conversation,
            body=body,
            actor=request.actor,
            idempotency_key=f"cancel-approved:{conversation.ref}:{order.number}",
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Order %(number)s cancelled.") % {"number": order.number})
    return redirect("dashboard:conversation", ref=ref)


@console_view(role="staff")
@require_POST
def relabel(request, ref: str, message_id: int):
    conversation = _get(request, ref)
    message = next((m for m in conversation.messages.all() if m.pk == message_id), None)
    if message is None:
        raise Http404(_("No such message."))
    try:
        services.message_relabel(
            message=message, intent=request.POST.get("intent", ""), actor=request.actor
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Thank you: SoloOps learns from this from tomorrow on."))
    return redirect("dashboard:conversation", ref=ref)


@console_view(role="staff")
@require_POST
def close(request, ref: str):
    try:
        services.conversation_close(conversation=_get(request, ref), actor=request.actor)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Conversation closed."))
    return redirect("dashboard:inbox")


urlpatterns = [
    path("inbox/", index, name="inbox"),
    path("inbox/<slug:ref>/", conversation, name="conversation"),
    path("inbox/<slug:ref>/close/", close, name="conversation_close"),
    path("inbox/<slug:ref>/messages/<int:message_id>/intent/", relabel, name="message_relabel"),
    path("inbox/<slug:ref>/cancel-order/", approve_cancel, name="conversation_cancel_order"),
]
