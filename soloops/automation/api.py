from datetime import datetime
from uuid import UUID

from ninja import Field, Query, Router, Schema

from soloops.automation import selectors
from soloops.events.selectors import timeline_events
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["events"])


class EventOut(Schema):
    id: int
    type: str
    subject_type: str
    subject_id: str
    payload: dict
    actor_kind: str
    actor_id: str
    actor_label: str
    correlation_id: UUID
    created_at: datetime
    dispatched_at: datetime | None


class EventPage(Schema):
    items: list[EventOut]
    next_before_id: int | None = Field(
        None, description="Pass as before_id to get the next (older) page; null on the last page."
    )
    limit: int = Field(description="items per page, as served")
    has_more: bool = Field(description="true: older events remain (ask with next_before_id)")


class EventFilters(Schema):
    type: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    correlation_id: UUID | None = None
    before_id: int | None = Field(None, ge=1)
    limit: int = Field(
        50, ge=1, description=f"at most {selectors.PAGE_MAX}; a larger value gives the maximum"
    )


@router.get("/events", response=EventPage, summary="The event log, newest first")
def events_list(request, filters: Query[EventFilters]):
    limit = min(filters.limit, selectors.PAGE_MAX)
    items = selectors.events_list(**{**filters.model_dump(), "limit": limit + 1})
    has_more = len(items) > limit
    items = items[:limit]
    return {
        "items": items,
        "next_before_id": items[-1].id if has_more else None,
        "limit": limit,
        "has_more": has_more,
    }


class TimelinePage(PageOut):
    items: list[EventOut]


@router.get(
    "/timeline/{subject_type}/{subject_id}",
    response=TimelinePage,
    summary="Every event about one object, oldest first, paged",
)
def timeline(request, subject_type: str, subject_id: str, paging: Query[PageParams]):
    events = timeline_events(subject_type=subject_type, subject_id=subject_id)
    return paginate(events, paging)
