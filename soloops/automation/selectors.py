"""Reads of the event log: any object's timeline and the filtered, paginated event list."""

from django.db.models import OuterRef, QuerySet, Subquery

from soloops.automation.models import Delivery, DeliveryStatus, Event, Flow, FlowRun
from soloops.errors import NotFound

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
    """Newest first, keyset-paginated on id (``before_id`` is the last id of the previous page)."""
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
    return list(events[: max(1, min(limit, PAGE_MAX))])


def timeline_for(*, subject_type: str, subject_id: str) -> list[Event]:
    """Every event about one object, oldest first: what happened, who did it, when."""
    return list(
        Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("id")
    )


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
