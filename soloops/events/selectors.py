"""Reads of the event log that every layer above may use: an object's timeline.

The ``Event`` model is still ``soloops.automation.models.Event`` (see ``soloops.events``).
"""

from django.db.models import Q

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


def events_carrying(*, types: tuple[str, ...], key: str, value: str, limit: int = 20) -> list:
    """The newest events of ``types`` whose payload has ``key`` = ``value``, oldest first — e.g.
    the shipment events of one order (``order_number``), for an app that may not import the
    app that emits them. Filtered by type first (event_type index), then by the JSON value."""
    events = list(
        Event.objects.filter(type__in=types, **{f"payload__{key}": value}).order_by("-id")[:limit]
    )
    events.reverse()
    return events
