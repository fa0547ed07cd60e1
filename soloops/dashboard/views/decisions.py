"""Decisions: one queue of everything waiting for the owner, oldest first — held orders,
``approve`` steps of flow runs, purchase order drafts — each with why it waits and a small
form to approve or reject it with a note.

Staff and the owner decide; a viewer sees the queue without buttons (and a forged POST is
refused by ``console_view`` before anything runs).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from soloops.analytics.services import price_suggestion_decide
from soloops.automation.selectors import run_get
from soloops.automation.services import flow_run_decide
from soloops.dashboard.access import console_view
from soloops.dashboard.forms.decisions import APPROVE, BUTTONS, DecisionForm
from soloops.dashboard.waiting import APPROVAL, ORDER, PRICE, PURCHASE_ORDER, waiting_queue
from soloops.errors import ApplicationError, NotFound
from soloops.orders.selectors import order_get_for
from soloops.orders.services import order_accept, order_reject
from soloops.purchasing.selectors import purchase_order_get_for
from soloops.purchasing.services import purchase_order_cancel, purchase_order_send

PER_KIND = 50


def _decide_order(number: str, approved: bool, note: str, actor) -> str:
    order = order_get_for(actor=actor, number=number)
    if approved:
        order_accept(order=order, actor=actor, note=note)
        return _("Order %(number)s accepted.") % {"number": number}
    order_reject(order=order, actor=actor, reason=note)
    return _("Order %(number)s rejected.") % {"number": number}


def _decide_approval(ref: str, approved: bool, note: str, actor) -> str:
    if not ref.isdigit():
        raise NotFound("not_found", f"no run {ref}")
    run = run_get(run_id=int(ref))
    run = flow_run_decide(run=run, approved=approved, note=note, actor=actor)
    values = {"flow": run.flow.display_name, "run": run.pk}
    if run.status == "completed":  # its subject was decided elsewhere meanwhile: settled
        return _("Already decided elsewhere: %(flow)s (run %(run)s) has nothing left to ask.") % (
            values
        )
    if approved:
        return _("Approved: %(flow)s (run %(run)s) goes on.") % values
    return _("Rejected: %(flow)s (run %(run)s) takes its on-reject steps.") % values


def _decide_purchase_order(number: str, approved: bool, note: str, actor) -> str:
    po = purchase_order_get_for(actor=actor, number=number)
    if approved:
        po = purchase_order_send(po=po, actor=actor)
        return _("Purchase order %(number)s sent to %(to)s.") % {
            "number": number,
            "to": po.supplier.email,
        }
    purchase_order_cancel(po=po, actor=actor, reason=note)
    return _("Purchase order draft %(number)s cancelled.") % {"number": number}


def _decide_price(ref: str, approved: bool, note: str, actor) -> str:
    if not ref.isdigit():
        raise NotFound("not_found", f"no price suggestion {ref}")
    row = price_suggestion_decide(suggestion_id=int(ref), accept=approved, actor=actor, note=note)
    values = {"sku": row.sku, "price": row.suggested_price}
    if approved:
        return _("The price of %(sku)s is now %(price)s.") % values
    return _("The price of %(sku)s stays; %(price)s will not be suggested again soon.") % values


DECIDE = {
    ORDER: _decide_order,
    APPROVAL: _decide_approval,
    PURCHASE_ORDER: _decide_purchase_order,
    PRICE: _decide_price,
}


def _queue(bound: DecisionForm | None = None):
    """The queue with a decision form on each item; ``bound`` (a refused answer) replaces the
    form of the item it answers. Returns (queue, whether that item is still waiting)."""
    queue = waiting_queue(per_kind=PER_KIND)
    answered = (bound.data.get("kind"), bound.data.get("ref")) if bound is not None else None
    found = False
    for item in queue.items:
        if (item.kind, item.ref) == answered:
            item.form, found = bound, True
        else:
            item.form = DecisionForm(item=item)
        item.buttons = BUTTONS[item.kind]
    return queue, found


def _render(request, queue, status: int = 200):
    context = {"section": "decisions", "queue": queue, "per_kind": PER_KIND}
    return render(request, "dashboard/decisions/index.html", context, status=status)


@console_view()
def index(request):
    if request.method != "POST":
        queue, _found = _queue()
        return _render(request, queue)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = DECIDE[data["kind"]](
                data["ref"], data["decision"] == APPROVE, data["note"].strip(), request.actor
            )
        except ApplicationError as e:
            form.add_service_error(e)
        else:
            messages.success(request, outcome)
            return redirect("dashboard:decisions")
    queue, found = _queue(bound=form)
    if not found:
        # Decided meanwhile, or never waiting: there is no item to show the error beside.
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors) or _("That is no longer waiting."))
        return redirect("dashboard:decisions")
    return _render(request, queue, status=400)


urlpatterns = [path("decisions/", index, name="decisions")]
