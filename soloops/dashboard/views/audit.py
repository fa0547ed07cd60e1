"""Settings → Audit log: every event of the log by who did it (a person, an API token, a flow
run, SoloOps itself), what and when, newest first, filtered and paged; and the same rows as
CSV. The owner's page: who did what is the owner's business."""

import csv

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import path

from soloops.dashboard.access import OWNER, console_view
from soloops.dashboard.forms.audit import AuditFilterForm
from soloops.dashboard.paging import page_of
from soloops.dashboard.timeline import entries
from soloops.events.selectors import audit_events

EXPORT_CHUNK = 2000


@console_view(OWNER)
def audit(request):
    form = AuditFilterForm(request.GET or None)
    page = page_of(audit_events(form.filters()), request)
    context = {
        "section": "settings",
        "form": form,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "page": page,
        "timeline": entries(page.items),
    }
    return render(request, "dashboard/audit/list.html", context)


class _Echo:
    def write(self, value):
        return value


@console_view(OWNER)
def audit_export(request):
    """The filtered rows as CSV (UTF-8 with a BOM, so spreadsheets read Chinese right),
    streamed in chunks: a year of events never sits in memory at once."""
    form = AuditFilterForm(request.GET or None)
    rows = audit_events(form.filters())
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(
            ["time", "type", "subject_type", "subject_id", "actor_kind", "actor", "actor_id"]
        )
        for event in rows.iterator(chunk_size=EXPORT_CHUNK):
            yield writer.writerow(
                [
                    event.created_at.isoformat(),
                    event.type,
                    event.subject_type,
                    event.subject_id,
                    event.actor_kind,
                    event.actor_label,
                    event.actor_id,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="soloops-audit.csv"'
    return response


urlpatterns = [
    path("settings/audit/", audit, name="settings_audit"),
    path("settings/audit/export.csv", audit_export, name="settings_audit_export"),
]
