"""Reads of the event log: any object's timeline and the filtered, paginated event list."""

from django.db.models import Count, F, Min, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext

from soloops.automation.flow_names import (  # noqa: F401 (for the console)
    flow_display_description,
    flow_display_name,
)
from soloops.automation.flows.actions import available
from soloops.automation.flows.dryrun import dry_run
from soloops.automation.models import (
    Delivery,
    DeliveryStatus,
    Event,
    Flow,
    FlowRun,
    FlowVersion,
    RunStatus,
    StepRun,
)
from soloops.automation.services.approvals import settled_q
from soloops.errors import NotFound
from soloops.events.selectors import (  # noqa: F401 (moved; the console reads them here too)
    TIMELINE_MAX,
    timeline_for,
    timeline_for_subjects,
)

PAGE_MAX = 200


def events_list(
    *,
    type: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    correlation_id: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Event]:
    """Newest first, keyset-paginated on id (``before_id`` is the last id of the previous page).
    ``limit`` may be one past ``PAGE_MAX``: the API asks for one more to know if more remain."""
    events: QuerySet[Event] = Event.objects.order_by("-id")
    if type:
        events = events.filter(type=type)
    if subject_type:
        events = events.filter(subject_type=subject_type)
    if subject_id:
        events = events.filter(subject_id=subject_id)
    if correlation_id:
        events = events.filter(correlation_id=correlation_id)
    if before_id:
        events = events.filter(id__lt=before_id)
    return list(events[: max(1, min(limit, PAGE_MAX + 1))])


def deliveries_failed() -> QuerySet[Delivery]:
    """Handler deliveries that exhausted their retries (the failed-job inbox)."""
    return Delivery.objects.filter(status=DeliveryStatus.GAVE_UP).select_related("event")


def events_undispatched_count() -> int:
    return Event.objects.filter(dispatched_at__isnull=True, dispatch_failed_at__isnull=True).count()


# --- flows ----------------------------------------------------------------------------------


def flows_list() -> QuerySet:
    """Every flow with its published version and its latest run's status (no N+1)."""
    last_run = FlowRun.objects.filter(flow=OuterRef("pk")).order_by("-id")
    return (
        Flow.objects.select_related("published_version")
        .annotate(
            last_run_status=Subquery(last_run.values("status")[:1]),
            last_run_at=Subquery(last_run.values("created_at")[:1]),
        )
        .order_by("name")
    )


def flow_get(*, key: str):
    flow = flows_list().filter(key=key).first()
    if flow is None:
        raise NotFound("not_found", f"no flow {key!r}")
    return flow


def flow_version_get(*, flow, number: int | None = None):
    versions = flow.versions.all()
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise NotFound("not_found", f"flow {flow.key} has no version {number}", field="version")
    return version


def runs_in_flight_count(*, flow, excluding_version=None) -> int:
    """Runs of ``flow`` not yet ended (running, waiting, awaiting approval, cancelling), on
    versions other than ``excluding_version``: the ones that finish on their own version
    after a publish."""
    runs = flow.runs.filter(
        status__in=[
            RunStatus.RUNNING,
            RunStatus.WAITING,
            RunStatus.AWAITING_APPROVAL,
            RunStatus.CANCELLING,
        ]
    )
    if excluding_version is not None:
        runs = runs.exclude(version=excluding_version)
    return runs.count()


def runs_list(
    *, flow_key: str | None = None, status: str | None = None, since_id: int | None = None
) -> QuerySet:
    runs = FlowRun.objects.select_related("flow", "version").order_by("-id")
    if flow_key:
        runs = runs.filter(flow__key=flow_key)
    if status:
        runs = runs.filter(status=status)
    return runs


def run_get(*, run_id: int):
    run = (
        FlowRun.objects.select_related("flow", "version")
        .prefetch_related("steps")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound("not_found", f"no run {run_id}")
    return run


def event_get(*, event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound("not_found", f"no event {event_id}", field="event_id")
    return event


def runs_awaiting_approval(*, limit: int) -> list[FlowRun]:
    """Runs paused on an ``approve`` step, the longest waiting first, without those whose
    subject was decided meanwhile (their settling is on its way, see services.approvals).
    Each carries its flow, ``approval_message`` (the step's rendered message), ``asked_at``
    (when the step began to wait) and ``subject_type`` / ``subject_id`` (what it asks about:
    its trigger event's subject, or empty). One query: the step row is found by its unique
    (run, key) index."""
    step = StepRun.objects.filter(run=OuterRef("pk"), key=OuterRef("cursor")).order_by()
    runs = list(
        FlowRun.objects.filter(status=RunStatus.AWAITING_APPROVAL)
        .exclude(settled_q())
        .select_related("flow")
        .only("flow__key", "flow__name", "status", "cursor", "wake_at", "created_at")
        .annotate(
            approval_input=Subquery(step.values("input")[:1]),
            asked_at=Subquery(step.values("created_at")[:1]),
            subject_type=F("trigger_event__subject_type"),
            subject_id=F("trigger_event__subject_id"),
        )
        .order_by("asked_at", "id")[:limit]
    )
    for run in runs:
        data = run.approval_input if isinstance(run.approval_input, dict) else {}
        run.approval_message = str(data.get("message", ""))
        run.asked_at = run.asked_at or run.created_at
    return runs


def runs_failed_count() -> int:
    """Runs in the failed inbox (an index-only count on a status index)."""
    return FlowRun.objects.filter(status=RunStatus.FAILED).count()


# --- the console's flow pages ---------------------------------------------------------------

# Run statuses as (value, label), for filters: the failed-runs inbox is status "failed".
RUN_STATUSES = RunStatus.choices
VERSIONS_SHOWN = 50


def flow_choices() -> list[tuple[str, str]]:
    """Every flow as (key, name in the reader's language), by name: for a filter's select."""
    rows = Flow.objects.order_by("name").values_list("key", "name")
    return [(key, flow_display_name(name)) for key, name in rows]


def flow_versions(*, flow, limit: int = VERSIONS_SHOWN) -> list[FlowVersion]:
    """A flow's newest versions without their (possibly long) source and document."""
    return list(
        FlowVersion.objects.filter(flow=flow)
        .defer("source", "document")
        .order_by("-number")[:limit]
    )


def events_recent(*, type: str, limit: int = 50) -> list[Event]:
    """The newest events of one type (for choosing one to dry-run a flow against)."""
    if not type:
        return []
    return list(
        Event.objects.filter(type=type)
        .only("id", "type", "subject_type", "subject_id", "payload", "created_at")
        .order_by("-id")[:limit]
    )


def run_detail(*, run_id: int) -> FlowRun:
    """A run with its flow, version, trigger event and steps (in the order they ran)."""
    run = (
        FlowRun.objects.select_related("flow", "version", "trigger_event")
        .prefetch_related(Prefetch("steps", queryset=StepRun.objects.order_by("id")))
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound("not_found", f"no run {run_id}")
    return run


def actions_catalog() -> list[dict]:
    """What flow steps can do: each action's name, description, whether it reaches outside
    the shop, and its input fields (name, type, required, default, description)."""
    catalog = []
    for action in sorted(available().values(), key=lambda a: a.name):
        schema = action.schema()
        required = set(schema.get("required", []))
        fields = [
            {
                "name": name,
                "type": _field_type(spec),
                "required": name in required,
                "default": spec.get("default"),
                "has_default": "default" in spec,
                # Marked with gettext_noop where the action is defined.
                "description": gettext(spec["description"]) if spec.get("description") else "",
            }
            for name, spec in schema.get("properties", {}).items()
        ]
        catalog.append(
            {
                "name": action.name,
                "description": action.description,
                "outside": action.outside,
                "fields": fields,
            }
        )
    return catalog


def _field_type(spec: dict) -> str:
    if "enum" in spec:
        return " | ".join(repr(v) if v == "" else str(v) for v in spec["enum"])
    if "anyOf" in spec:
        return " | ".join(_field_type(s) for s in spec["anyOf"])
    return spec.get("type", "any")


def flow_dry_run(*, document: dict, event: Event | None, actor) -> dict:
    """What a flow document would do with a past event: the path it takes, each step's
    rendered input and what each action would do. Writes nothing (see flows.dryrun)."""
    return dry_run(document=document, event=event, actor=actor)


def runs_brief(*, flow_key: str | None = None, status: str | None = None) -> QuerySet:
    """``runs_list`` for list pages: without each run's trigger and its version's document."""
    return runs_list(flow_key=flow_key, status=status).defer(
        "trigger", "wait_where", "version__source", "version__document"
    )


# --- figures for monitoring (metrics and alerts) ------------------------------------------


def run_counts_by_status() -> dict[str, int]:
    """{status: flow runs}, one GROUP BY on run_status_idx."""
    rows = FlowRun.objects.order_by().values_list("status").annotate(n=Count("id"))
    return dict(rows)


def delivery_counts_by_status() -> dict[str, int]:
    """{status: handler deliveries} for the ones that did not simply succeed: failed (to be
    retried) and gave up (the failed-job inbox)."""
    rows = (
        Delivery.objects.exclude(status=DeliveryStatus.DONE)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def runs_stalled(*, before) -> dict:
    """Runs that should have moved by ``before`` and have not: running and untouched since
    then (its worker died and the hand-over did not help), or waiting on a time already past
    (the scheduler should have woken it). {"count", "oldest"}: two queries on run_wake_idx and
    run_status_idx. Read by monitoring's stalled-runs alert."""
    running = FlowRun.objects.filter(status=RunStatus.RUNNING, updated_at__lt=before)
    waiting = FlowRun.objects.filter(status=RunStatus.WAITING, wake_at__lt=before)
    a = running.aggregate(n=Count("id"), oldest=Min("updated_at"))
    b = waiting.aggregate(n=Count("id"), oldest=Min("wake_at"))
    oldest = [moment for moment in (a["oldest"], b["oldest"]) if moment is not None]
    return {"count": a["n"] + b["n"], "oldest": min(oldest) if oldest else None}
