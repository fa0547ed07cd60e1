"""Data: import products and customers from a file — upload, map the columns, check (a dry
run on the worker, the page polls its progress), read every bad row, then import all or only
the good rows.

Viewers look; staff import. Every write goes through soloops.integrations.services.imports.
"""

from django.contrib import messages
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from soloops.dashboard.access import STAFF, VIEWER, console_view
from soloops.dashboard.forms.imports import OptionsForm, UploadForm
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError, NotFound
from soloops.integrations.selectors.imports import (
    export_file,
    import_entity_choices,
    import_field_choices,
    import_job_get,
    import_jobs_list,
    import_rule_labels,
)
from soloops.integrations.services.import_runs import import_progress, import_start
from soloops.integrations.services.imports import import_map, import_upload, rejected_path

SECTION = "data"


def _job_or_404(job_id):
    try:
        return import_job_get(job_id=job_id)
    except NotFound:
        raise Http404 from None


@console_view(VIEWER, write_role=STAFF)
def data(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = import_upload(
                    entity=form.cleaned_data["entity"],
                    filename=form.cleaned_data["file"].name,
                    source=form.cleaned_data["file"],
                    mapping=form.cleaned_data["mapping"],
                    options={"encoding": form.cleaned_data["encoding"]}
                    if form.cleaned_data["encoding"]
                    else {},
                    actor=request.actor,
                )
            except ApplicationError as e:
                form.add_error("file" if e.field in {"file", None} else "mapping", e.message)
            else:
                return redirect("dashboard:import_job", job_id=job.pk)
        status = 400
    page = page_of(import_jobs_list(), request)
    return render(
        request,
        "dashboard/data/index.html",
        {
            "form": form,
            "page": page,
            "section": SECTION,
            "kinds": import_entity_choices(exported=True),
            "formats": ["csv", "xlsx", "json", "ndjson"],
        },
        status=status,
    )


def _columns_from(request, job) -> dict[str, str]:
    return {column: request.POST.get(f"col-{i}", "") for i, column in enumerate(job.header)}


def _job_context(job, options_form=None, mapping_error="") -> dict:
    fields = import_field_choices(entity=job.entity)
    rows = [
        {"index": i, "column": column, "field": job.columns.get(column, "")}
        for i, column in enumerate(job.header)
    ]
    options = job.options or {}
    report = job.report or {}
    rules = import_rule_labels()
    return {
        "section": SECTION,
        "job": job,
        "fields": fields,
        "rows": rows,
        "options_form": options_form
        or OptionsForm(
            initial={
                "date_format": options.get("date_format", "auto"),
                "decimal": options.get("decimal", "auto"),
                "region": options.get("region", ""),
            }
        ),
        "mapping_error": mapping_error,
        "report": report,
        "rules": [(rules.get(name, name), n) for name, n in (report.get("rules") or {}).items()],
        "ready_to_import": job.status == "previewed" and not job.error,
    }


@console_view(VIEWER, write_role=STAFF)
def job_page(request, job_id):
    job = _job_or_404(job_id)
    if request.method == "POST":
        return _check(request, job)
    if job.running:
        job.rows_done = import_progress(job)
    return render(request, "dashboard/data/job.html", _job_context(job))


def _check(request, job):
    """The mapping form's submit: save the mapping and options, then start the dry run."""
    form = OptionsForm(request.POST)
    if not form.is_valid():
        return render(request, "dashboard/data/job.html", _job_context(job, form), status=400)
    options = {k: v for k, v in form.cleaned_data.items() if k != "save_as" and v}
    if job.options.get("encoding"):
        options["encoding"] = job.options["encoding"]
    try:
        job = import_map(
            job=job,
            columns=_columns_from(request, job),
            options=options,
            save_as=form.cleaned_data["save_as"],
            actor=request.actor,
        )
        import_start(job=job, dry_run=True, skip_bad_rows=False, actor=request.actor)
    except ApplicationError as e:
        job.columns = _columns_from(request, job)
        return render(
            request, "dashboard/data/job.html", _job_context(job, form, e.message), status=400
        )
    return redirect("dashboard:import_job", job_id=job.pk)


@console_view(VIEWER, write_role=STAFF)
def job_run(request, job_id):
    job = _job_or_404(job_id)
    if request.method != "POST":
        return redirect("dashboard:import_job", job_id=job.pk)
    try:
        import_start(
            job=job,
            dry_run=False,
            skip_bad_rows=request.POST.get("skip_bad_rows") == "1",
            actor=request.actor,
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("dashboard:import_job", job_id=job.pk)


@console_view(VIEWER)
def job_progress(request, job_id):
    """The progress fragment the job page polls; once the task is done it asks HTMX to reload
    the page (which then shows the report)."""
    job = _job_or_404(job_id)
    if not job.running:
        response = render(request, "dashboard/data/_progress.html", {"job": job})
        response["HX-Refresh"] = "true"
        return response
    job.rows_done = import_progress(job)
    return render(request, "dashboard/data/_progress.html", {"job": job})


@console_view(VIEWER)
def job_rejected(request, job_id):
    job = _job_or_404(job_id)
    path_ = rejected_path(job)
    if not path_.exists():
        raise Http404
    return FileResponse(
        path_.open("rb"), as_attachment=True, filename=f"rejected-{job.filename}.csv"
    )


@console_view(VIEWER)
def export(request, kind: str, file_format: str):
    try:
        chunks, content_type, name = export_file(entity=kind, file_format=file_format)
    except ApplicationError:
        raise Http404 from None
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("data/export/<slug:kind>.<slug:file_format>", export, name="export"),
    path("data/", data, name="data"),
    path("data/imports/<uuid:job_id>/", job_page, name="import_job"),
    path("data/imports/<uuid:job_id>/run", job_run, name="import_run"),
    path("data/imports/<uuid:job_id>/progress", job_progress, name="import_progress"),
    path("data/imports/<uuid:job_id>/rejected.csv", job_rejected, name="import_rejected"),
]
