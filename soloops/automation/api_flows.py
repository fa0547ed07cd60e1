"""The flows API: author, validate, publish, switch, export/import, dry-run, and the runs
with their steps, retry / skip / cancel and approvals."""

from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router

from soloops.accounts.auth import api_auth
from soloops.api_output import created
from soloops.automation import bpmn, selectors, services
from soloops.automation.api_flows_schemas import (
    ActionOut,
    DecisionIn,
    DryRunIn,
    FlowOut,
    FlowPage,
    ManualIn,
    PublishedOut,
    PublishIn,
    RunDetailOut,
    RunFilters,
    RunOut,
    RunPage,
    SourceIn,
    ValidationOut,
    _FlowDetail,
)
from soloops.automation.flows.actions import available
from soloops.automation.flows.dryrun import dry_run
from soloops.pagination import PageParams, paginate

router = Router(tags=["flows"])


def _detail(key: str):
    flow = selectors.flow_get(key=key)
    flow.versions_list = list(flow.versions.all())
    return flow


@router.get("/actions", response=list[ActionOut], summary="What flow steps can do")
def actions_list(request):
    return [
        {
            "name": a.name,
            "description": str(a.description),
            "input_schema": a.schema(),
            "outside": a.outside,
        }
        for a in sorted(available().values(), key=lambda a: a.name)
    ]


@router.get("/flows", response=FlowPage, summary="Flows by name, paged")
def flows_list(request, paging: Query[PageParams]):
    return paginate(selectors.flows_list(), paging)


@router.post("/flows/validate", response=ValidationOut, summary="Check a document; saves nothing")
def flows_validate(request, payload: SourceIn):
    from soloops.errors import InvalidInput

    try:
        services.flow_validate(source=payload.source, format=payload.format)
    except InvalidInput as e:
        return {"valid": False, "problems": e.extra["problems"]}
    return {"valid": True, "problems": []}


@router.post(
    "/flows",
    response={201: _FlowDetail},
    summary="Save a new version (not published)",
    auth=api_auth("flow.change"),
)
def flows_save(request, payload: SourceIn, response: HttpResponse):
    version = services.flow_save(
        source=payload.source, key=payload.key, format=payload.format, actor=request.auth
    )
    return created(response, f"/flows/{version.flow.key}", _detail(version.flow.key))


@router.post(
    "/flows/import",
    response={201: _FlowDetail},
    summary="Save and publish",
    auth=api_auth("flow.change"),
)
def flows_import(request, payload: SourceIn, response: HttpResponse):
    flow = services.flow_import(
        source=payload.source, key=payload.key, format=payload.format, actor=request.auth
    )
    return created(response, f"/flows/{flow.key}", _detail(flow.key))


@router.get("/flows/{key}", response=_FlowDetail)
def flows_get(request, key: str):
    return _detail(key)


@router.get("/flows/{key}/export", summary="The published document as YAML, or as BPMN 2.0")
def flows_export(request, key: str, format: Literal["yaml", "bpmn"] = "yaml"):
    flow = selectors.flow_get(key=key)
    version = flow.published_version or selectors.flow_version_get(flow=flow)
    if format == "bpmn":
        body, content_type = bpmn.write(version.document), "application/xml; charset=utf-8"
    else:
        body, content_type = version.source, "application/yaml; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{flow.key}.{format}"'
    return response


@router.post("/flows/{key}/publish", response=PublishedOut, auth=api_auth("flow.change"))
def flows_publish(request, key: str, payload: PublishIn):
    flow = selectors.flow_get(key=key)
    version = selectors.flow_version_get(flow=flow, number=payload.version)
    services.flow_publish(version=version, actor=request.auth)
    detail = _detail(key)
    detail.runs_in_flight = selectors.runs_in_flight_count(flow=flow, excluding_version=version)
    detail.note = (
        f"version {version.number} is published: new runs start on it; "
        f"{detail.runs_in_flight} run(s) already started finish on the version they started on"
    )
    return detail


@router.post("/flows/{key}/enable", response=FlowOut, auth=api_auth("flow.change"))
def flows_enable(request, key: str):
    services.flow_set_enabled(flow=selectors.flow_get(key=key), enabled=True, actor=request.auth)
    return selectors.flow_get(key=key)


@router.post("/flows/{key}/disable", response=FlowOut, auth=api_auth("flow.change"))
def flows_disable(request, key: str):
    services.flow_set_enabled(flow=selectors.flow_get(key=key), enabled=False, actor=request.auth)
    return selectors.flow_get(key=key)


@router.post(
    "/flows/{key}/dry-run",
    summary="What a version would do with a past event",
    auth=api_auth("flow.dry_run"),
)
def flows_dry_run(request, key: str, payload: DryRunIn) -> dict:
    flow = selectors.flow_get(key=key)
    version = selectors.flow_version_get(flow=flow, number=payload.version)
    event = selectors.event_get(event_id=payload.event_id)
    return dry_run(document=version.document, event=event, actor=request.auth)


@router.post("/flows/{key}/runs", response={201: RunOut}, summary="Start a run by hand")
def flows_run(request, key: str, payload: ManualIn, response: HttpResponse):
    flow = selectors.flow_get(key=key)
    run = services.flow_run_start_manual(flow=flow, inputs=payload.input, actor=request.auth)
    return created(response, f"/runs/{run.pk}", selectors.run_get(run_id=run.pk))


@router.get("/runs", response=RunPage, summary="Flow runs, newest first")
def runs_list(request, filters: Query[RunFilters]):
    return paginate(selectors.runs_list(flow_key=filters.flow, status=filters.status), filters)


@router.get("/runs/{run_id}", response=RunDetailOut, summary="A run with every step")
def runs_get(request, run_id: int):
    return selectors.run_get(run_id=run_id)


@router.post("/runs/{run_id}/retry", response=RunDetailOut)
def runs_retry(request, run_id: int):
    services.flow_run_retry(run=selectors.run_get(run_id=run_id), actor=request.auth)
    return selectors.run_get(run_id=run_id)


@router.post("/runs/{run_id}/skip", response=RunDetailOut)
def runs_skip(request, run_id: int):
    services.flow_run_skip(run=selectors.run_get(run_id=run_id), actor=request.auth)
    return selectors.run_get(run_id=run_id)


@router.post("/runs/{run_id}/cancel", response=RunDetailOut)
def runs_cancel(request, run_id: int):
    services.flow_run_cancel(run=selectors.run_get(run_id=run_id), actor=request.auth)
    return selectors.run_get(run_id=run_id)


@router.post("/runs/{run_id}/approve", response=RunDetailOut)
def runs_approve(request, run_id: int, payload: DecisionIn):
    run = selectors.run_get(run_id=run_id)
    services.flow_run_decide(run=run, approved=True, note=payload.note, actor=request.auth)
    return selectors.run_get(run_id=run_id)


@router.post("/runs/{run_id}/reject", response=RunDetailOut)
def runs_reject(request, run_id: int, payload: DecisionIn):
    run = selectors.run_get(run_id=run_id)
    services.flow_run_decide(run=run, approved=False, note=payload.note, actor=request.auth)
    return selectors.run_get(run_id=run_id)
