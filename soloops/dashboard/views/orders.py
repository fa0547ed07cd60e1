"""The orders section: the list (filters, search, bulk accept, packing slips), one order with
everything about it (lines, review, payments, shipments, emails, timeline), and the actions
the state machine allows on it now."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from soloops.dashboard import timeline
from soloops.dashboard.access import console_view
from soloops.dashboard.forms.orders import (
    BulkForm,
    ConfirmForm,
    NoteForm,
    OrderFiltersForm,
    PaymentReferenceForm,
    ReasonForm,
)
from soloops.dashboard.paging import page_of
from soloops.emails.selectors import SendFilters, emails_list
from soloops.errors import ApplicationError, NotFound
from soloops.events.selectors import timeline_for_subjects
from soloops.formatting import money_display
from soloops.fulfillment import services as fulfillment
from soloops.fulfillment.selectors import (
    packing_slips_for_orders,
    shipment_get_for,
    shipments_list,
)
from soloops.orders import services as orders
from soloops.orders.errors import OrderErrorCode
from soloops.orders.selectors import (
    ORDER_CHANNELS,
    ORDER_STATUSES,
    order_get_for,
    order_next_statuses,
    order_status_reason,
    orders_list,
    review_reasons,
)
from soloops.payments import services as payments
from soloops.payments.selectors import payments_for_order
from soloops.support.selectors import conversation_ids_for_order

LIST = "dashboard/orders/list.html"
DETAIL = "dashboard/orders/detail.html"
EMAILS_SHOWN = 50
# Shipment statuses (fulfillment's ShipmentStatus, which the console may not import).
SHIPMENT_CREATED, SHIPMENT_SHIPPED, SHIPMENT_CANCELLED = "created", "shipped", "cancelled"


# --- the list ---------------------------------------------------------------------------------


@console_view()
def index(request):
    form = OrderFiltersForm(request.GET or None)
    form.is_valid()  # an invalid filter is shown beside its field and not applied
    page = page_of(orders_list(form.filters()), request)
    # Each label translated once per page, not once per row (get_FOO_display re-translates
    # every choice on each call: a third of the page's time with 50 rows).
    statuses = {value: str(label) for value, label in ORDER_STATUSES}
    channels = {value: str(label) for value, label in ORDER_CHANNELS}
    for order in page.items:
        order.status_label = statuses.get(order.status, order.status)
        order.channel_label = channels.get(order.channel, order.channel)
    return render(
        request,
        LIST,
        {
            "section": "orders",
            "form": form,
            "page": page,
            "filtered": form.is_bound and form.active,
            "bulk_actions": BulkForm.base_fields["action"].choices,
        },
    )


def _back_to_list(request) -> str:
    """The list as it was (filters and page), from the form's ``next``; else the list."""
    target = request.POST.get("next", "")
    index_url = reverse("dashboard:orders")
    if target.startswith(index_url) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return index_url


@console_view(role="staff")
@require_POST
def bulk(request):
    form = BulkForm(request.POST)
    back = _back_to_list(request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    numbers = form.cleaned_data["orders"]
    if form.cleaned_data["action"] == BulkForm.ACCEPT:
        outcome = orders.orders_accept_many(numbers=numbers, actor=request.actor)
        _report_accepted(request, outcome)
        return redirect(back)
    slips = packing_slips_for_orders(actor=request.actor, numbers=numbers)
    if slips.pdf is None:
        messages.error(
            request,
            _(
                "No packing slip to print: none of the selected orders has a shipment yet. "
                "Packing slips are printed per shipment."
            ),
        )
        return redirect(back)
    if slips.without_shipment:
        messages.warning(
            request,
            _("Printed no packing slip for %(orders)s: no shipment yet.")
            % {"orders": ", ".join(slips.without_shipment)},
        )
    return HttpResponse(
        slips.pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="packing-slips.pdf"',
            "Cache-Control": "private, no-store",  # addresses are personal data
        },
    )


def _report_accepted(request, outcome) -> None:
    if outcome.accepted:
        messages.success(
            request,
            ngettext(
                "Accepted %(count)d order: %(orders)s.",
                "Accepted %(count)d orders: %(orders)s.",
                len(outcome.accepted),
            )
            % {
                "count": len(outcome.accepted),
                "orders": ", ".join(o.number for o in outcome.accepted),
            },
        )
    if outcome.refused:
        reasons = "; ".join(
            f"{number} — {_refusal_reason(error)}" for number, error in outcome.refused
        )
        messages.error(
            request,
            ngettext(
                "%(count)d order could not be accepted: %(reasons)s.",
                "%(count)d orders could not be accepted: %(reasons)s.",
                len(outcome.refused),
            )
            % {"count": len(outcome.refused), "reasons": reasons}
            + " "
            + _("Each order is accepted on its own, so the others stay accepted."),
        )


def _refusal_reason(error: ApplicationError) -> str:
    if error.code == OrderErrorCode.ILLEGAL_TRANSITION:
        return _("it is %(status)s") % {
            "status": timeline.status_word(error.extra.get("current", ""))
        }
    if isinstance(error, NotFound):
        return _("no such order")
    return error.message


# --- one order --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderAction:
    to: str  # the status it moves the order to
    label: str
    form: type[forms.Form]
    run: Callable  # (order, actor, cleaned_data) -> what the service returned
    done: str  # the outcome sentence, with %(number)s
    confirm: str  # the question before submitting, with %(number)s
    danger: bool = False
    shown: Callable = lambda order, shipments: True


def _open_shipments(order, shipments) -> bool:
    return any(s.status != SHIPMENT_CANCELLED for s in shipments)


def _mark_paid(order, actor, data):
    """A manual payment waiting for the money is marked received (which pays the order);
    otherwise the order is marked paid with the reference given."""
    waiting = [
        p
        for p in payments_for_order(order=order)
        if p.provider == "manual" and p.status == "authorized"
    ]
    if waiting:
        return payments.payment_mark_paid_manual(
            payment=waiting[0], actor=actor, reference=data["reference"]
        )
    return orders.order_mark_paid(order=order, actor=actor, payment_reference=data["reference"])


# In the order the page shows them: the likely next step first (the page's one blue button),
# then the ones that stop the order.
ACTIONS: dict[str, OrderAction] = {
    "accept": OrderAction(
        to="accepted",
        label=gettext_lazy("Accept"),
        form=NoteForm,
        run=lambda order, actor, data: orders.order_accept(
            order=order, actor=actor, note=data["reason"]
        ),
        done=gettext_lazy("Order %(number)s accepted."),
        confirm=gettext_lazy("Accept order %(number)s?"),
    ),
    "mark-paid": OrderAction(
        to="paid",
        label=gettext_lazy("Mark paid"),
        form=PaymentReferenceForm,
        run=_mark_paid,
        done=gettext_lazy("Order %(number)s marked paid."),
        confirm=gettext_lazy("Mark order %(number)s paid: has the money arrived?"),
    ),
    "start-fulfilling": OrderAction(
        to="fulfilling",
        label=gettext_lazy("Start fulfilling"),
        form=ConfirmForm,
        run=lambda order, actor, data: orders.order_start_fulfilling(order=order, actor=actor),
        done=gettext_lazy("Order %(number)s is being fulfilled."),
        confirm=gettext_lazy("Start packing order %(number)s?"),
    ),
    "mark-shipped": OrderAction(
        to="shipped",
        label=gettext_lazy("Mark shipped"),
        form=ConfirmForm,
        run=lambda order, actor, data: orders.order_mark_shipped(order=order, actor=actor),
        done=gettext_lazy("Order %(number)s marked shipped."),
        confirm=gettext_lazy("Mark order %(number)s shipped?"),
        # With shipments, each shipment is marked shipped (the order follows).
        shown=lambda order, shipments: not _open_shipments(order, shipments),
    ),
    "mark-delivered": OrderAction(
        to="delivered",
        label=gettext_lazy("Mark delivered"),
        form=ConfirmForm,
        run=lambda order, actor, data: orders.order_mark_delivered(order=order, actor=actor),
        done=gettext_lazy("Order %(number)s marked delivered."),
        confirm=gettext_lazy("Mark order %(number)s delivered?"),
        shown=lambda order, shipments: not _open_shipments(order, shipments),
    ),
    "complete": OrderAction(
        to="completed",
        label=gettext_lazy("Complete"),
        form=ConfirmForm,
        run=lambda order, actor, data: orders.order_complete(order=order, actor=actor),
        done=gettext_lazy("Order %(number)s completed."),
        confirm=gettext_lazy("Complete order %(number)s? Nothing is left to do for it."),
    ),
    "hold": OrderAction(
        to="on_hold",
        label=gettext_lazy("Hold"),
        form=ReasonForm,
        run=lambda order, actor, data: orders.order_hold(
            order=order, actor=actor, reason=data["reason"]
        ),
        done=gettext_lazy("Order %(number)s is on hold."),
        confirm=gettext_lazy("Hold order %(number)s?"),
    ),
    "reject": OrderAction(
        to="rejected",
        label=gettext_lazy("Reject"),
        form=ReasonForm,
        run=lambda order, actor, data: orders.order_reject(
            order=order, actor=actor, reason=data["reason"]
        ),
        done=gettext_lazy("Order %(number)s rejected; its stock was released."),
        confirm=gettext_lazy("Reject order %(number)s? This cannot be undone."),
        danger=True,
    ),
    "cancel": OrderAction(
        to="cancelled",
        label=gettext_lazy("Cancel order"),
        form=ReasonForm,
        # Money captured for it goes back, a payment not captured yet is released.
        run=lambda order, actor, data: payments.order_cancel_and_refund(
            order=order, actor=actor, reason=data["reason"]
        ),
        done=gettext_lazy("Order %(number)s cancelled; its stock was released."),
        confirm=gettext_lazy(
            "Cancel order %(number)s? Money taken for it is refunded. This cannot be undone."
        ),
        danger=True,
    ),
}

SHIPMENT_ACTIONS = {
    "ship": (
        SHIPMENT_CREATED,
        fulfillment.shipment_ship,
        gettext_lazy("Shipment %(number)s marked shipped."),
    ),
    "deliver": (
        SHIPMENT_SHIPPED,
        fulfillment.shipment_deliver,
        gettext_lazy("Shipment %(number)s marked delivered."),
    ),
}


@dataclass
class ShownAction:
    key: str
    action: OrderAction
    form: forms.Form
    confirm: str


def _order_or_404(request, number: str):
    try:
        return order_get_for(actor=request.actor, number=number)
    except NotFound:
        raise Http404(_("No order %(number)s.") % {"number": number}) from None


def _detail_context(order, bound: tuple[str, forms.Form] | None = None) -> dict:
    """Everything the order page shows, in a fixed number of queries however many lines,
    payments, shipments, emails and events the order has."""
    order_payments = payments_for_order(order=order)
    shipments = list(shipments_list(order=order))
    for shipment in shipments:  # a carrier's tracking URL is linked only if it is a web address
        url = shipment.tracking_url
        shipment.tracking_href = url if url.startswith(("https://", "http://")) else ""
    emails = list(
        emails_list(SendFilters(subject_type="orders.order", subject_id=str(order.pk)))[
            :EMAILS_SHOWN
        ]
    )
    events = timeline_for_subjects(
        subjects={
            "orders.order": [order.pk],
            "payments.payment": [p.pk for p in order_payments],
            "fulfillment.shipment": [s.pk for s in shipments],
            "emails.emailsend": [e.pk for e in emails],
            "support.conversation": conversation_ids_for_order(order_id=order.pk),
        }
    )
    allowed = order_next_statuses(order=order)
    actions = []
    for key, action in ACTIONS.items():
        if action.to not in allowed or not action.shown(order, shipments):
            continue
        form = bound[1] if bound and bound[0] == key else action.form(prefix=key)
        actions.append(
            ShownAction(key, action, form, str(action.confirm) % {"number": order.number})
        )
    refundable = sum((p.refundable for p in order_payments), start=0)
    return {
        "section": "orders",
        "order": order,
        "lines": list(order.lines.all()),
        "review": order.review or {},
        "reasons": review_reasons(order.review),
        "status_reason": order_status_reason(order),
        "payments": order_payments,
        "refundable": refundable,
        "shipments": shipments,
        "emails": emails,
        "timeline": timeline.entries(events),
        "actions": actions,
        "ship_confirm": _("Mark this shipment shipped?"),
        "deliver_confirm": _("Mark this shipment delivered?"),
    }


@console_view()
def detail(request, number: str):
    order = _order_or_404(request, number)
    return render(request, DETAIL, _detail_context(order))


@console_view()
@require_POST
def act(request, number: str, action: str):
    """One action on the order (staff and owner: a POST needs staff). Bad input: the page
    again with the error beside the field (400), nothing changed."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("No such action."))
    order = _order_or_404(request, number)
    detail_url = reverse("dashboard:order", args=[order.number])
    if spec.to not in order_next_statuses(order=order):
        messages.error(
            request,
            _("Order %(number)s is %(status)s, so it cannot be %(target)s. Nothing was changed.")
            % {
                "number": order.number,
                "status": timeline.status_word(order.status),
                "target": timeline.status_word(spec.to),
            },
        )
        return redirect(detail_url)
    form = spec.form(request.POST, prefix=action)
    if form.is_valid():
        try:
            result = spec.run(order, request.actor, form.cleaned_data)
        except ApplicationError as error:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                _report_failure(request, order, spec, error)
                return redirect(detail_url)
        else:
            messages.success(request, _done(order, spec, result))
            return redirect(detail_url)
    return render(request, DETAIL, _detail_context(order, bound=(action, form)), status=400)


def _done(order, spec: OrderAction, result) -> str:
    text = str(spec.done) % {"number": order.number}
    if spec.to == "cancelled":
        _order, refunds = result
        back = [r for r in refunds if r.status == "succeeded"]
        if back:
            amount = sum((r.amount for r in back), start=0)
            text += " " + _("%(amount)s was refunded.") % {
                "amount": money_display(amount, order.currency)
            }
    return text


def _report_failure(request, order, spec: OrderAction, error: ApplicationError) -> None:
    now = order_get_for(actor=request.actor, number=order.number)
    if now.status == spec.to:  # done, but a later part (e.g. the refund) did not go through
        messages.warning(
            request,
            str(spec.done) % {"number": order.number}
            + " "
            + _("But: %(error)s") % {"error": error.message},
        )
    elif error.code == OrderErrorCode.ILLEGAL_TRANSITION:
        messages.error(
            request,
            _("Order %(number)s is %(status)s, so it cannot be %(target)s. Nothing was changed.")
            % {
                "number": order.number,
                "status": timeline.status_word(now.status),
                "target": timeline.status_word(spec.to),
            },
        )
    else:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": error.message})


@console_view()
@require_POST
def shipment_act(request, number: str, shipment: str, action: str):
    """Mark one of the order's shipments shipped or delivered; the order follows when it was
    the last one (fulfillment's services decide)."""
    if action not in SHIPMENT_ACTIONS:
        raise Http404(_("No such action."))
    order = _order_or_404(request, number)
    try:
        found = shipment_get_for(actor=request.actor, number=shipment)
    except NotFound:
        raise Http404(_("No shipment %(number)s.") % {"number": shipment}) from None
    if found.order_id != order.pk:
        raise Http404(_("No shipment %(number)s.") % {"number": shipment})
    _from, service, done = SHIPMENT_ACTIONS[action]
    try:
        service(shipment=found, actor=request.actor)
    except ApplicationError as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": error.message})
    else:
        messages.success(request, str(done) % {"number": found.number})
    return redirect("dashboard:order", order.number)


urlpatterns = [
    path("orders/", index, name="orders"),
    path("orders/bulk/", bulk, name="orders_bulk"),
    path("orders/<str:number>/", detail, name="order"),
    path(
        "orders/<str:number>/shipments/<str:shipment>/<slug:action>/",
        shipment_act,
        name="order_shipment_act",
    ),
    path("orders/<str:number>/<slug:action>/", act, name="order_act"),
]
