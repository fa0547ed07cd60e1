"""The flows API's request and response schemas (``api_flows`` holds the handlers)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from soloops.api_input import In, Integer
from soloops.pagination import PageOut, PageParams


class FlowOut(Schema):
    key: str
    name: str
    enabled: bool
    is_default: bool
    trigger_kind: str
    trigger_event: str
    published_version: int | None = Field(None, alias="published_version.number")
    last_run_status: str | None = None
    last_run_at: datetime | None = None
    webhook_url: str | None = None

    @staticmethod
    def resolve_webhook_url(flow) -> str | None:
        return f"/hooks/flows/{flow.webhook_secret}" if flow.webhook_secret else None


class VersionOut(Schema):
    number: int
    source: str
    document: dict
    created_by: str
    created_at: datetime


class FlowDetailOut(FlowOut):
    versions: list[VersionOut]


class SourceIn(In):
    source: str = Field(min_length=1, max_length=100_000)
    key: str | None = Field(None, pattern=r"^[-a-z0-9_]+$", max_length=100)
    format: Literal["auto", "yaml", "bpmn"] = Field(
        "auto", description="auto: BPMN 2.0 XML if the source starts with '<', else YAML/JSON"
    )


class Problem(Schema):
    path: str
    message: str
    line: int | None


class ValidationOut(Schema):
    valid: bool
    problems: list[Problem]


class PublishIn(In):
    version: Integer = Field(ge=1)


class DryRunIn(In):
    event_id: Integer = Field(ge=1)
    version: Integer | None = Field(None, ge=1, description="default: the latest version")


class StepOut(Schema):
    key: str
    kind: str
    action: str
    status: str
    attempts: int
    input: dict
    output: dict
    error: str
    started_at: datetime | None
    finished_at: datetime | None


class RunOut(Schema):
    id: int
    flow: str = Field(alias="flow.key")
    version: int = Field(alias="version.number")
    status: str
    cursor: str
    depth: int
    error: str
    wake_at: datetime | None
    created_at: datetime
    finished_at: datetime | None


class RunDetailOut(RunOut):
    trigger: dict
    steps: list[StepOut]


class RunPage(PageOut):
    items: list[RunOut]


class RunFilters(PageParams):
    flow: str | None = None
    status: str | None = None


class DecisionIn(In):
    note: str = Field("", max_length=500)


class ManualIn(In):
    input: dict = {}


class ActionOut(Schema):
    name: str
    description: str
    input_schema: dict
    outside: bool


class _FlowDetail(FlowDetailOut):
    versions: list[VersionOut] = Field(alias="versions_list")


class PublishedOut(_FlowDetail):
    runs_in_flight: int  # started on earlier versions; each finishes on its own version
    note: str


class FlowPage(PageOut):
    items: list[FlowOut]
