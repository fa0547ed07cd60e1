"""The imports API: upload a file (base64 in JSON), map its columns, preview (a dry run),
import, and read the report — the same steps as the console's Data pages.

Bad files answer 422 naming ``file`` (and the line, in ``extra``); bad rows are not an error of
the request: they are in the job's report, each with its line, column and message.
"""

import base64
import binascii
import io
from datetime import datetime
from uuid import UUID

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status

from soloops.api_input import In
from soloops.api_output import created
from soloops.errors import InvalidInput, NotFound
from soloops.integrations.selectors import imports as selectors
from soloops.integrations.services import import_runs as runs
from soloops.integrations.services import imports as services
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["imports"])


class ImportIn(In):
    entity: str = Field(description="products or customers")
    filename: str = Field(max_length=255, description="its extension helps tell the format")
    content_base64: str = Field(description="the file's bytes, base64-encoded")
    mapping: str = Field("", max_length=100, description="a saved mapping's name")
    options: dict[str, str] = Field(
        default_factory=dict,
        description="encoding (utf-8, utf-8-sig, gb18030), date_format (auto, dmy, mdy), "
        "decimal (auto, '.', ','), region (phone numbers without +: 'GB', 'CN')",
    )


class MappingIn(In):
    columns: dict[str, str] = Field(description="the file's column → a field ('' to ignore it)")
    options: dict[str, str] = Field(default_factory=dict)
    save_as: str = Field("", max_length=100, description="save the mapping under this name")


class RunIn(In):
    skip_bad_rows: bool = Field(
        False, description="import the good rows and reject the bad (default: all or nothing)"
    )


class ImportOut(Schema):
    id: UUID
    entity: str
    filename: str
    file_format: str
    status: str
    header: list[str]
    columns: dict[str, str]
    options: dict
    skip_bad_rows: bool
    rows_total: int
    rows_done: int
    report: dict = Field(description="rows, create, update, unchanged, rejected, rules, errors")
    error: str
    created_at: datetime


class ImportPage(PageOut):
    items: list[ImportOut]


class MappingOut(Schema):
    name: str
    entity: str
    columns: dict[str, str]
    options: dict


def _job(job_id: UUID):
    return selectors.import_job_get(job_id=job_id)


@router.post("/imports", response={201: ImportOut}, summary="Upload a file to import")
def imports_create(request, payload: ImportIn, response: HttpResponse):
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "invalid_input", "content_base64: not base64", field="content_base64"
        ) from None
    job = services.import_upload(
        entity=payload.entity,
        filename=payload.filename,
        source=io.BytesIO(data),
        mapping=payload.mapping,
        options=payload.options,
        actor=request.auth,
    )
    return created(response, f"/imports/{job.pk}", job)


@router.get("/imports", response=ImportPage, summary="Import jobs, newest first")
def imports_list(request, params: Query[PageParams]):
    return paginate(selectors.import_jobs_list(), params)


@router.get("/imports/{job_id}", response=ImportOut, summary="An import: status and report")
def imports_get(request, job_id: UUID):
    job = _job(job_id)
    if job.running:
        job.rows_done = runs.import_progress(job)
    return job


@router.put("/imports/{job_id}/mapping", response=ImportOut, summary="Map the file's columns")
def imports_map(request, job_id: UUID, payload: MappingIn):
    return services.import_map(job=_job(job_id), actor=request.auth, **payload.model_dump())


@router.post("/imports/{job_id}/preview", response={202: ImportOut}, summary="Dry run")
def imports_preview(request, job_id: UUID):
    job = runs.import_start(job=_job(job_id), dry_run=True, skip_bad_rows=False, actor=request.auth)
    return Status(202, job)


@router.post("/imports/{job_id}/run", response={202: ImportOut}, summary="Import the file")
def imports_run(request, job_id: UUID, payload: RunIn):
    job = runs.import_start(
        job=_job(job_id), dry_run=False, skip_bad_rows=payload.skip_bad_rows, actor=request.auth
    )
    return Status(202, job)


@router.get("/imports/{job_id}/rejected.csv", summary="The rejected rows, with a reason column")
def imports_rejected(request, job_id: UUID):
    job = _job(job_id)
    path = services.rejected_path(job)
    if not path.exists():
        raise NotFound("not_found", "this import rejected no rows", field="job_id")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename="rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


@router.get("/import-mappings", response=list[MappingOut], summary="Saved column mappings")
def import_mappings_list(request, entity: str | None = None):
    return list(selectors.import_mappings_list(entity=entity)[:200])


@router.get("/exports/{kind}", summary="Export every row of a kind (streamed)")
def exports_get(request, kind: str, format: str = "csv"):
    chunks, content_type, name = selectors.export_file(entity=kind, file_format=format)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
