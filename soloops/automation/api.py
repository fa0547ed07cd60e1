from datetime import datetime
from uuid import UUID

from ninja import Field, Query, Router, Schema

from soloops.automation import selectors

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


class EventFilters(Schema):
    type: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    correlation_id: UUID | None = None
    before_id: int | None = Field(None, ge=1)
    limit: int = Field(50, ge=1, le=selectors.PAGE_MAX)


@router.get("/events", response=EventPage, summary="The event log, newest first")
def events_list(request, filters: Query[EventFilters]):
    items = selectors.events_list(**filters.model_dump())
    next_before = items[-1].id if len(items) == filters.limit else None
    return {"items": items, "next_before_id": next_before}


@router.get(
    "/timeline/{subject_type}/{subject_id}",
    response=list[EventOut],
    summary="Every event about one object, oldest first",
)
def timeline(request, subject_type: str, subject_id: str):
    return selectors.timeline_for(subject_type=subject_type, subject_id=subject_id)
