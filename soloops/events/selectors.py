"""Reads of the event log that every layer above may use: an object's timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet

from soloops.events.models import Event


def timeline_events(*, subject_type: str, subject_id: str) -> QuerySet[Event]:
    """Every event about one object, oldest first, as a query (to page it)."""
    return Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by(
        "id"
    )


def timeline_for(*, subject_type: str, subject_id: str) -> list[Event]:
    """Every event about one object, oldest first: what happened, who did it, when."""
    return list(timeline_events(subject_type=subject_type, subject_id=subject_id))


TIMELINE_MAX = 500


def timeline_for_subjects(*, subjects: dict[str, list], limit: int = TIMELINE_MAX) -> list[Event]:
    """Every event about several objects at once — e.g. an order, its payments, shipments and
    emails: ``{"orders.order": [42], "payments.payment": [7, 8]}`` — oldest first; the newest
    ``limit`` if there are more. One query, each object type on event_subject_idx."""
    match = Q(pk__in=[])
    for subject_type, ids in subjects.items():
        if ids:
            match |= Q(subject_type=subject_type, subject_id__in=[str(i) for i in ids])
    events = list(Event.objects.filter(match).order_by("-id")[:limit])
    events.reverse()
    return events


def events_after(*, after_id: int, limit: int) -> list[Event]:
    """The next ``limit`` committed events with an id above ``after_id``, in id order: what a
    reader that follows the log from a cursor (the event stream) takes next."""
    return list(Event.objects.filter(pk__gt=after_id).order_by("id")[:limit])


def event_last_id() -> int:
    """The highest committed event id (0 for an empty log)."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def event_times(*, types: list[str], start, end) -> list[tuple[str, object]]:
    """(type, created_at) of every event of ``types`` recorded in [start, end): the counts of
    the analytics app's daily facts (emails sent, flow runs failed, payments failed)."""
    return list(
        Event.objects.filter(type__in=types, created_at__gte=start, created_at__lt=end)
        .values_list("type", "created_at")
        .order_by()
    )


def event_subjects(*, types: list[str], start, end) -> list[tuple[str, str, object]]:
    """(type, subject_id, created_at) of every event of ``types`` recorded in [start, end)."""
    return list(
        Event.objects.filter(type__in=types, created_at__gte=start, created_at__lt=end)
        .values_list("type", "subject_id", "created_at")
        .order_by("id")
    )


SUBJECT_CHUNK = 500


def subject_event_times(
    *, types: list[str], subject_type: str, subject_ids: list
) -> list[tuple[str, str, object]]:
    """(type, subject_id, created_at) of the events of ``types`` about the given objects,
    oldest first; a query per 500 objects, each on event_subject_idx."""
    rows: list[tuple[str, str, object]] = []
    ids = [str(i) for i in subject_ids]
    for at in range(0, len(ids), SUBJECT_CHUNK):
        rows += Event.objects.filter(
            subject_type=subject_type, subject_id__in=ids[at : at + SUBJECT_CHUNK], type__in=types
        ).values_list("type", "subject_id", "created_at")
    return sorted(rows, key=lambda row: row[2])


def events_carrying(*, types: tuple[str, ...], key: str, value: str, limit: int = 20) -> list:
    """The newest events of ``types`` whose payload has ``key`` = ``value``, oldest first — e.g.
    the shipment events of one order (``order_number``), for an app that may not import the
    app that emits them. Filtered by type first (event_type index), then by the JSON value."""
    events = list(
        Event.objects.filter(type__in=types, **{f"payload__{key}": value}).order_by("-id")[:limit]
    )
    events.reverse()
    return events


# --- figures for monitoring (metrics and alerts) ------------------------------------------


def event_counts_by_type(*, types: list[str]) -> dict[str, int]:
    """How many events of each of ``types`` the log holds (a missing type counts 0). One
    query on event_type_idx."""
    counts = dict.fromkeys(types, 0)
    rows = (
        Event.objects.filter(type__in=types).order_by().values_list("type").annotate(n=Count("id"))
    )
    counts.update(dict(rows))
    return counts


@dataclass(frozen=True)
class DispatchBacklog:
    undispatched: int  # committed, not yet handed to every handler
    oldest_at: datetime | None  # when the oldest of them was recorded
    failed: int  # dispatch gave up (shown in the failed-job inbox)


def dispatch_backlog() -> DispatchBacklog:
    """The events waiting for dispatch and the age of the oldest: the dispatch lag (one query
    on event_undispatched_idx, one for the failed)."""
    waiting = Event.objects.filter(dispatched_at__isnull=True, dispatch_failed_at__isnull=True)
    figures = waiting.aggregate(n=Count("id"), oldest=Min("created_at"))
    failed = Event.objects.filter(dispatch_failed_at__isnull=False).count()
    return DispatchBacklog(undispatched=figures["n"], oldest_at=figures["oldest"], failed=failed)


def events_of_types_since(*, types: list[str], since: datetime, limit: int = 500) -> list[Event]:
    """The events of ``types`` recorded since ``since``, newest first (event_type_idx): for
    an app that reacts to another's events without importing it (monitoring's anomaly alerts)."""
    rows = Event.objects.filter(type__in=types, created_at__gte=since).order_by("-id")
    return list(rows[:limit])


# --- the audit log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    actor_kind: str = ""  # "user", "token", "flow_run", "system"; "" for any
    actor: str = ""  # the recorded label, exactly (a username, "olivia · laptop", ...)
    type: str = ""  # an event type ("order.cancelled") or a family ("order." / "order.*")
    start: datetime | None = None
    end: datetime | None = None


def audit_events(filters: AuditFilters) -> QuerySet[Event]:
    """Every event, newest first, narrowed by who did it, what and when. Who: on
    event_actor_idx; what: on event_type_idx (a family is a prefix of the type)."""
    rows = Event.objects.all()
    if filters.actor_kind:
        rows = rows.filter(actor_kind=filters.actor_kind)
    if filters.actor:
        rows = rows.filter(actor_label=filters.actor)
    family = filters.type.removesuffix("*")
    if family.endswith("."):
        rows = rows.filter(type__startswith=family)
    elif family:
        rows = rows.filter(type=family)
    if filters.start:
        rows = rows.filter(created_at__gte=filters.start)
    if filters.end:
        rows = rows.filter(created_at__lt=filters.end)
    return rows.order_by("-id")
