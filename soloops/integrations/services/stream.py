"""The publisher: moves the stream's cursor along the committed event log.

Each scheduler tick calls ``stream_publish_due``. It takes a lease on the stream's row (a short
transaction: two schedulers never publish at once), reads the next events after the cursor in
id order, publishes the selected ones one by one, each confirmed by the broker, and commits
the new cursor. So:

- a broker outage never blocks a business transaction: events are only read, after commit;
- nothing is lost and nothing is reordered: on any failure the cursor stays just before the
  first unconfirmed event and the next tick starts there;
- a crash between the broker's confirm and the cursor's commit sends a message again, with
  the same id (at least once).

Ids are handed out before commit, so an id may be missing below a committed one for a moment
(its transaction is still committing). The publisher waits at such a gap for
``EVENT_STREAM_GAP_GRACE_SECONDS``, then takes it for a rolled-back transaction and goes on.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.events.selectors import event_last_id, events_after
from soloops.integrations.models.stream import StreamState
from soloops.integrations.stream.brokers import BrokerAdapter, BrokerUnavailable, adapter_for
from soloops.integrations.stream.message import message_for, type_selected

logger = logging.getLogger(__name__)

STREAM = "default"
BATCH = 200
# After a failure the scheduler leaves the broker alone this long (a manual publish does not).
RETRY_PAUSE = timedelta(seconds=5)
_PUBLISHER_ID = f"{socket.gethostname()}:{os.getpid()}"
_adapters: dict[str, BrokerAdapter] = {}


def _adapter(url: str) -> BrokerAdapter:
    if url not in _adapters:
        _adapters[url] = adapter_for(url)
    return _adapters[url]


@dataclass(frozen=True)
class Plan:
    """What to do with a batch read after the cursor."""

    ids: list[int]  # the events to go through, in order (published or passed over)
    gap_since: datetime | None  # a gap that holds the stream back, and since when
    gaps_skipped: int


def plan(
    *, cursor: int, ids: list[int], gap_since: datetime | None, now: datetime, grace: float
) -> Plan:
    """Walk the ids after ``cursor``: take them while they follow on; at a missing id, stop
    (and note when the gap was first seen), or pass it once it is older than ``grace``."""
    taken, skipped, expected = [], 0, cursor + 1
    for event_id in ids:
        if event_id != expected:
            if gap_since is None:
                return Plan(taken, now, skipped)
            if (now - gap_since).total_seconds() < grace:
                return Plan(taken, gap_since, skipped)
            skipped, gap_since = skipped + 1, None
        taken.append(event_id)
        expected = event_id + 1
    return Plan(taken, None, skipped)


def _start() -> dict:
    """A new stream starts at the beginning of the log: the consumer gets the shop's history
    (``soloops stream rewind --after ID`` skips it)."""
    first = events_after(after_id=0, limit=1)
    return {"last_event_id": first[0].pk - 1 if first else 0}


def _claim(now: datetime) -> StreamState | None:
    with transaction.atomic():
        state, _ = StreamState.objects.select_for_update().get_or_create(
            name=STREAM, defaults=_start()
        )
        if state.lease_until and state.lease_until > now and state.owner != _PUBLISHER_ID:
            return None
        state.owner = _PUBLISHER_ID
        state.lease_until = now + timedelta(seconds=settings.EVENT_STREAM_LEASE_SECONDS)
        state.save(update_fields=["owner", "lease_until"])
        return state


def _release(state: StreamState, **changes) -> None:
    with transaction.atomic():
        StreamState.objects.filter(name=STREAM, owner=_PUBLISHER_ID).update(
            owner="", lease_until=None, **changes
        )


def stream_publish_due(
    *, now: datetime | None = None, url: str | None = None, pause_after_error: bool = True
) -> int:
    """Publish what is due; the number of messages the broker confirmed. No stream configured:
    0, without touching the database; nothing new: one read, no write."""
    url = settings.EVENT_STREAM_URL if url is None else url
    if not url:
        return 0
    now = now or timezone.now()
    seen = StreamState.objects.filter(name=STREAM).first()
    if seen and pause_after_error and seen.last_error_at and now - seen.last_error_at < RETRY_PAUSE:
        return 0
    if not events_after(after_id=seen.last_event_id if seen else 0, limit=1):
        return 0
    state = _claim(now)
    if state is None:
        return 0  # another publisher holds the lease
    published, cursor, error = 0, state.last_event_id, ""
    events = events_after(after_id=state.last_event_id, limit=BATCH)
    todo = plan(
        cursor=state.last_event_id,
        ids=[e.pk for e in events],
        gap_since=state.gap_since,
        now=now,
        grace=settings.EVENT_STREAM_GAP_GRACE_SECONDS,
    )
    by_id = {e.pk: e for e in events}
    try:
        for event_id in todo.ids:
            event = by_id[event_id]
            if type_selected(event.type, settings.EVENT_STREAM_TYPES):
                _adapter(url).publish(message_for(event))
                published += 1
            cursor = event_id
    except BrokerUnavailable as e:
        error = str(e)
        logger.warning("event stream stopped at event %s: %s", cursor + 1, error)
    changes = {
        "last_event_id": cursor,
        "gap_since": todo.gap_since if not error else state.gap_since,
        "gaps_skipped": state.gaps_skipped + todo.gaps_skipped,
        "published_count": state.published_count + published,
    }
    if published:
        changes["last_published_at"] = timezone.now()
    if error:
        changes.update(last_error=error, last_error_at=timezone.now())
    elif cursor != state.last_event_id:
        changes.update(last_error="")
    _release(state, **changes)
    return published


def stream_publish_all(*, url: str | None = None) -> int:
    """Publish until caught up or the broker fails (``soloops stream publish``)."""
    total = 0
    while True:
        before = StreamState.objects.filter(name=STREAM).values_list("last_event_id", flat=True)
        start = before.first() or 0
        total += stream_publish_due(url=url, pause_after_error=False)
        after = StreamState.objects.filter(name=STREAM).first()
        if after is None or after.last_event_id == start or after.last_error:
            return total


def stream_rewind(*, to_event_id: int) -> None:
    """Publish again from just after ``to_event_id`` (a consumer lost its data; ids repeat)."""
    with transaction.atomic():
        state, _ = StreamState.objects.select_for_update().get_or_create(name=STREAM)
        # Never before the log's first event: that would be a gap nothing can fill.
        state.last_event_id = max(to_event_id, _start()["last_event_id"])
        state.gap_since = None
        state.save(update_fields=["last_event_id", "gap_since"])


@dataclass(frozen=True)
class StreamStatus:
    configured: bool
    last_event_id: int
    log_last_id: int
    behind: int  # events in the log after the cursor
    lag_seconds: float  # age of the oldest event after the cursor (0 when caught up)
    published_count: int
    last_published_at: datetime | None
    last_error: str
    last_error_at: datetime | None

    @property
    def lagging(self) -> bool:
        return self.configured and self.lag_seconds > settings.EVENT_STREAM_LAG_ALERT_SECONDS


def stream_status(*, now: datetime | None = None) -> StreamStatus:
    """Where the stream stands: for ``soloops stream status``, ``soloops check`` and metrics."""
    now = now or timezone.now()
    state = StreamState.objects.filter(name=STREAM).first() or StreamState(name=STREAM, **_start())
    log_last = event_last_id()
    oldest = events_after(after_id=state.last_event_id, limit=1)
    lag = (now - oldest[0].created_at).total_seconds() if oldest else 0.0
    return StreamStatus(
        configured=bool(settings.EVENT_STREAM_URL),
        last_event_id=state.last_event_id,
        log_last_id=log_last,
        behind=max(0, log_last - state.last_event_id),
        lag_seconds=max(0.0, lag),
        published_count=state.published_count,
        last_published_at=state.last_published_at,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
    )
