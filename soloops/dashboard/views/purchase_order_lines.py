"""Editing a purchase order draft's lines in the console (staff): quantities, unit costs, a
SKU added. Bad input comes back beside its field with nothing changed (400)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.dashboard.access import STAFF, console_view
from soloops.dashboard.forms.products import attach_service_error
from soloops.dashboard.forms.purchase_order_lines import LINES_MESSAGES, DraftLinesForm
from soloops.dashboard.views.purchasing import _po_or_404, _po_page
from soloops.errors import ApplicationError
from soloops.purchasing.services import purchase_order_lines_set


@console_view(STAFF)
@require_POST
def edit_lines(request, number: str):
    po = _po_or_404(request, number)
    if po.status != "draft":
        messages.error(
            request,
            _("Only a draft's lines can be changed; %(number)s was sent.") % {"number": po.number},
        )
        return redirect("dashboard:purchase_order", number=po.number)
    form = DraftLinesForm(request.POST, lines=list(po.lines.all()))
    if form.is_valid():
        changes, fields = form.changes()
        try:
            po = purchase_order_lines_set(po=po, lines=changes, actor=request.actor)
        except ApplicationError as e:
            attach_service_error(form, e, fields=fields, messages=LINES_MESSAGES)
        else:
            messages.success(request, _("Lines of %(number)s saved.") % {"number": po.number})
            return redirect("dashboard:purchase_order", number=po.number)
    return _po_page(request, po, lines_form=form, status=400)


urlpatterns = [
    path("purchase-orders/<str:number>/lines/", edit_lines, name="purchase_order_lines"),
]
