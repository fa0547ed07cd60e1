"""Purchase orders: the list, one order with why it was drafted and what happened to it, and
the staff's actions — send to the supplier, receive goods, cancel, reorder what is low now."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from soloops.catalog.selectors import supplier_choices
from soloops.dashboard.access import STAFF, console_view
from soloops.dashboard.forms.products import attach_service_error
from soloops.dashboard.forms.purchase_order_lines import DraftLinesForm, cost_field, quantity_field
from soloops.dashboard.forms.purchasing import (
    RECEIVE_MESSAGES,
    TRANSITION_MESSAGES,
    CancelForm,
    PurchaseOrderFilterForm,
    ReceiveForm,
    line_field,
)
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError, NotFound
from soloops.events.selectors import timeline_for
from soloops.formatting import date_display, datetime_display
from soloops.purchasing.selectors import (
    AWAITED_STATUSES,
    PurchaseOrderFilters,
    purchase_order_get_for,
    purchase_orders_list,
)
from soloops.purchasing.services import (
    PO_TYPE,
    purchase_order_cancel,
    purchase_order_receive,
    purchase_order_send,
    purchase_orders_draft_for_low_stock,
)

SECTION = "purchase_orders"
OPEN = ("draft", *AWAITED_STATUSES)


# --- the list -------------------------------------------------------------------------------


@console_view()
def index(request):
    filters = PurchaseOrderFilterForm(request.GET, suppliers=supplier_choices())
    values = filters.values()
    today = timezone.localdate()
    orders = purchase_orders_list(
        PurchaseOrderFilters(
            status=values["status"],
            supplier_id=values["supplier_id"],
            due_by=today if values["due"] else None,
        )
    )
    context = {
        "section": SECTION,
        "filters": filters,
        "page": page_of(orders, request),
        "today": today,
        "awaited": AWAITED_STATUSES,
    }
    return render(request, "dashboard/purchase_orders/list.html", context)


@console_view(STAFF)
@require_POST
def draft_now(request):
    """Run the reorder now: draft purchase orders for every SKU below its reorder point."""
    run = purchase_orders_draft_for_low_stock(actor=request.actor, trigger={"kind": "manual"})
    if not run.purchase_orders:
        messages.info(request, _("Nothing is below its reorder point: no purchase order drafted."))
    else:
        numbers = ", ".join(po.number for po in run.purchase_orders)
        messages.success(request, _("Drafted or extended: %(numbers)s.") % {"numbers": numbers})
    return redirect("dashboard:purchase_orders")


# --- one purchase order ---------------------------------------------------------------------


def _po_or_404(request, number: str):
    try:
        return purchase_order_get_for(actor=request.actor, number=number)
    except NotFound:
        raise Http404(number) from None


def _po_page(request, po, *, receive_form=None, cancel_form=None, lines_form=None, status=200):
    lines = list(po.lines.all())
    receive_form = receive_form or ReceiveForm(lines=lines)
    # A draft's lines are edited in place (views.purchase_order_lines saves them).
    if po.status == "draft":
        lines_form = lines_form or DraftLinesForm(lines=lines)
    context = {
        "section": SECTION,
        "po": po,
        "line_rows": [
            (
                ln,
                receive_form[line_field(ln)] if ln.pk in receive_form.lines_by_id else None,
                (lines_form[quantity_field(ln)], lines_form[cost_field(ln)])
                if lines_form is not None and quantity_field(ln) in lines_form.fields
                else None,
            )
            for ln in lines
        ],
        "lines_form": lines_form,
        "why": why_drafted(po.reason or {}),
        "timeline": [
            (event, event_summary(event))
            for event in timeline_for(subject_type=PO_TYPE, subject_id=str(po.pk))
        ],
        "can_send": po.status == "draft",
        "can_receive": po.status in AWAITED_STATUSES,
        "can_cancel": po.status in OPEN,
        "receive_form": receive_form,
        "cancel_form": cancel_form or CancelForm(),
        "ordered": sum(ln.quantity_ordered for ln in lines),
        "received": sum(ln.quantity_received for ln in lines),
    }
    return render(request, "dashboard/purchase_orders/detail.html", context, status=status)


@console_view()
def detail(request, number: str):
    return _po_page(request, _po_or_404(request, number))


@console_view(STAFF)
@require_POST
def send(request, number: str):
    po = _po_or_404(request, number)
    try:
        po = purchase_order_send(po=po, actor=request.actor)
    except ApplicationError as e:
        messages.error(request, _transition_message(e))
    else:
        messages.success(
            request,
            _("%(number)s sent to %(supplier)s (%(email)s); expected on %(date)s.")
            % {
                "number": po.number,
                "supplier": po.supplier.name,
                "email": po.supplier.email,
                "date": date_display(po.expected_date) if po.expected_date else "—",
            },
        )
    return redirect("dashboard:purchase_order", number=po.number)


@console_view(STAFF)
@require_POST
def receive(request, number: str):
    """Goods arrived: the quantities typed per line, or (button "all") everything awaited."""
    po = _po_or_404(request, number)
    lines = list(po.lines.all())
    everything = "all" in request.POST
    form = ReceiveForm(None if everything else request.POST, lines=lines)
    if everything or form.is_valid():
        wanted = None if everything else form.quantities()
        try:
            po = purchase_order_receive(po=po, lines=wanted, actor=request.actor)
        except ApplicationError as e:
            if everything or e.field == "status":  # nothing to point at in the form
                messages.error(request, _transition_message(e))
                return redirect("dashboard:purchase_order", number=po.number)
            _attach_line_error(form, e, list(wanted))
        else:
            messages.success(request, _received_message(po))
            return redirect("dashboard:purchase_order", number=po.number)
    return _po_page(request, po, receive_form=form, status=400)


def _attach_line_error(form: ReceiveForm, error: ApplicationError, line_ids: list[int]) -> None:
    """The service names ``lines[i].quantity`` (i: position in what we sent): the field of
    that line."""
    fields = {
        f"lines[{i}].quantity": line_field(form.lines_by_id[pk])
        for i, pk in enumerate(line_ids)
        if pk in form.lines_by_id
    }
    attach_service_error(form, error, fields=fields, messages=RECEIVE_MESSAGES)


def _received_message(po) -> str:
    if po.status == "received":
        return _("%(number)s is fully received; the stock is in the ledger.") % {
            "number": po.number
        }
    return _("Received into stock; %(number)s still awaits the rest.") % {"number": po.number}


@console_view(STAFF)
@require_POST
def cancel(request, number: str):
    po = _po_or_404(request, number)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            po = purchase_order_cancel(
                po=po, actor=request.actor, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as e:
            messages.error(request, _transition_message(e))
        else:
            messages.success(request, _("%(number)s cancelled.") % {"number": po.number})
        return redirect("dashboard:purchase_order", number=po.number)
    return _po_page(request, po, cancel_form=form, status=400)


def _transition_message(error: ApplicationError) -> str:
    template = TRANSITION_MESSAGES.get(str(error.code))
    if template and "status" in error.extra:
        return str(template) % error.extra
    return error.message


# --- in words -------------------------------------------------------------------------------


def _when(iso: str | None) -> str:
    return datetime_display(parse_datetime(iso) if iso else None)


def _trigger_sentence(trigger: dict) -> str:
    kind = trigger.get("kind")
    if kind == "manual":
        return _("Drafted by a reorder run started by hand.")
    if kind in ("flow", "event"):
        values = {
            "event": trigger.get("event") or _("an event"),
            "sku": trigger.get("sku") or "",
            "flow": trigger.get("flow") or "",
            "run": trigger.get("run_id") or "",
        }
        if kind == "flow" and values["flow"] and values["sku"]:
            return (
                _('Drafted by the flow "%(flow)s" (run %(run)s) on %(event)s for %(sku)s.') % values
            )
        if kind == "flow":
            return _("Drafted by a flow (run %(run)s).") % values
        if values["sku"]:
            return _("Drafted on %(event)s for %(sku)s.") % values
        return _("Drafted on %(event)s.") % values
    return ""


def _reorder_sentence(sku: str, d: dict) -> str:
    values = {
        "sku": sku,
        "available": d.get("available", 0),
        "incoming": d.get("incoming", 0),
        "point": d.get("reorder_point", 0),
        "target": d.get("target_level", 0),
        "quantity": d.get("quantity", 0),
        "shortfall": d.get("shortfall", 0),
    }
    if values["incoming"]:
        start = _(
            "%(sku)s was at %(available)s with %(incoming)s on order, below its reorder point "
            "%(point)s"
        )
    else:
        start = _("%(sku)s was at %(available)s, below its reorder point %(point)s")
    if d.get("reorder_point_source") == "low_stock_threshold":
        start += " " + _("(its low-stock threshold)")
    if values["quantity"] > values["shortfall"]:
        end = _(
            "; ordering %(quantity)s, the supplier's minimum order, where %(shortfall)s would "
            "reach %(target)s."
        )
    elif values["quantity"] < values["shortfall"]:
        end = _("; ordering %(quantity)s of the %(shortfall)s needed to reach %(target)s.")
    else:
        end = _("; ordering %(quantity)s to reach %(target)s.")
    return (start + end) % values


def _edit_sentence(sku: str, d: dict) -> str:
    values = {"sku": sku, "by": d.get("by") or _("someone"), "from": d.get("from", 0)}
    values["to"] = d.get("to", 0)
    if values["to"] == 0:
        return _("%(by)s removed %(sku)s (was %(from)s).") % values
    if values["from"] == 0:
        return _("%(by)s added %(sku)s: %(to)s.") % values
    return _("%(by)s changed %(sku)s from %(from)s to %(to)s.") % values


def why_drafted(reason: dict) -> dict:
    """The purchase order's ``reason`` (see purchasing.services.drafting) in sentences:
    ``{"trigger": str, "lines": [(sku, [(when, sentence), ...]), ...]}``."""
    lines = []
    for sku, decisions in sorted((reason.get("lines") or {}).items()):
        said = []
        for d in decisions if isinstance(decisions, list) else [decisions]:
            if d.get("kind") == "reorder":
                said.append((_when(d.get("at")), _reorder_sentence(sku, d)))
            elif d.get("kind") == "edit":
                said.append((_when(d.get("at")), _edit_sentence(sku, d)))
        if said:
            lines.append((sku, said))
    return {"trigger": _trigger_sentence(reason.get("trigger") or {}), "lines": lines}


def event_summary(event) -> str:
    """One line on what a purchase order event says, beside its type on the timeline."""
    p = event.payload or {}
    kind = event.type.removeprefix("purchase_order.")
    if kind == "drafted":
        count = len(p.get("lines") or [])
        return ngettext(
            "Drafted for %(supplier)s with %(count)s line.",
            "Drafted for %(supplier)s with %(count)s lines.",
            count,
        ) % {"supplier": p.get("supplier", ""), "count": count}
    if kind == "sent":
        return _("Sent to %(to)s; expected on %(date)s.") % {
            "to": p.get("to", ""),
            "date": p.get("expected_date", ""),
        }
    if kind in ("received", "partially_received"):
        got = ", ".join(f"{ln['sku']} x {ln['quantity']}" for ln in p.get("lines") or [])
        return _("Received %(lines)s.") % {"lines": got or "—"}
    if kind == "cancelled":
        return _("Cancelled (was %(from)s): %(reason)s") % {
            "from": p.get("from", ""),
            "reason": p.get("reason") or "—",
        }
    if kind == "lines_changed":
        changes = ", ".join(f"{c['sku']} {c['from']} → {c['to']}" for c in p.get("changes") or [])
        return _("Lines changed: %(changes)s.") % {"changes": changes or "—"}
    return ""


urlpatterns = [
    path("purchase-orders/", index, name="purchase_orders"),
    path("purchase-orders/draft-now/", draft_now, name="purchase_orders_draft"),
    path("purchase-orders/<str:number>/", detail, name="purchase_order"),
    path("purchase-orders/<str:number>/send/", send, name="purchase_order_send"),
    path("purchase-orders/<str:number>/receive/", receive, name="purchase_order_receive"),
    path("purchase-orders/<str:number>/cancel/", cancel, name="purchase_order_cancel"),
]
