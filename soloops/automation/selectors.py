"""Reads of the event log: any object's timeline and the filtered, paginated event list."""

from django.db.models import QuerySet

from soloops.automation.models import Delivery, DeliveryStatus, Event

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
