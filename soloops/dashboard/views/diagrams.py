"""Flows as BPMN diagrams: what the flow and run pages draw with the bpmn-js viewer (a run's
finished, current and failed steps marked), and a version's BPMN file to download."""

from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from soloops.automation import bpmn, selectors
from soloops.dashboard.access import console_view
from soloops.errors import NotFound


def flow_context(version, *, key: str) -> dict:
    """The flow page's diagram of ``version``."""
    return {
        "diagram": bpmn.diagram(version.document),
        "diagram_label": _("The flow “%(name)s” as a BPMN diagram")
        % {"name": selectors.flow_display_name(version.document.get("name", ""))},
        "flow_key": key,
        "version_number": version.number,
        "marked": False,
    }


def run_context(run, steps) -> dict:
    """The run page's diagram: its version, each step marked by how it went."""
    context = flow_context(run.version, key=run.flow.key)
    context["diagram"] = bpmn.diagram(
        run.version.document, steps=[(s.key, s.status) for s in steps], cursor=run.cursor
    )
    context["diagram_label"] = _("Run %(id)s as a BPMN diagram, its steps marked") % {"id": run.pk}
    context["marked"] = True
    return context


@console_view()
def flow_export_bpmn(request, key: str):
    try:
        flow = selectors.flow_get(key=key)
        number = request.GET.get("version", "")
        version = (
            selectors.flow_version_get(flow=flow, number=int(number))
            if number.isdigit()
            else flow.published_version or selectors.flow_version_get(flow=flow)
        )
    except NotFound:
        raise Http404(key) from None
    response = HttpResponse(bpmn.write(version.document), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{flow.key}-v{version.number}.bpmn"'
    return response


urlpatterns = [
    path("flows/<slug:key>/export.bpmn", flow_export_bpmn, name="flow_export_bpmn"),
]
