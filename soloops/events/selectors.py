"""Reads of the event log that every layer above may use: an object's timeline.

The ``Event`` model is still ``soloops.automation.models.Event`` (see ``soloops.events``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from soloops.automation.models import Event


def timeline_for(*, subject_type: str, subject_id: str) -> list[Event]:
    """Every event about one object, oldest first: what happened, who did it, when."""
    return list(
        Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("id")
    )


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
