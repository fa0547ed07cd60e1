"""The transactional outbox: emit an event with the change, dispatch it after commit, relay it.

Promises:
- an event emitted in a transaction that rolls back does not exist, so it is never dispatched;
- a committed event is dispatched by the task enqueued on commit, or, if that task is lost
  (crash, broker down, worker killed), by the scheduler's relay after ``RELAY_DELAY_SECONDS``;
- each handler's delivery row commits together with the handler's writes, so however many
  times an event is dispatched, each handler's writes commit once;
- a dispatch task delivers its events in batches, one transaction each: a handler that raises
  rolls back alone (and is retried with backoff) while the others' writes commit — the batch
  runs its handlers without savepoints and, should one raise, rolls back whole and runs again
  with a savepoint per handler; a crash rolls the batch back whole, and the relay hands it out
  again (``soloops.events.dispatch``; ``events_dispatch`` is re-exported here).
"""

import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, router, transaction
from django.db.models import Model
from django.utils import timezone

from soloops import correlation
from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_rows
from soloops.events import registry
from soloops.events.catalogue import event_check
from soloops.events.dispatch import DELIVERY_BATCH, MAX_DELIVERY_ATTEMPTS, events_dispatch
from soloops.events.models import Event
from soloops.events.redaction import events_redact

logger = logging.getLogger(__name__)

# The relay's wait between re-dispatches of one event doubles up to this cap.
MAX_RELAY_BACKOFF = timedelta(hours=1)
RELAY_BATCH = 500
DISPATCH_CHUNK = 100
# How many events a worker's task dispatches itself once its own work is done (see
# ``events_dispatched_here``), round after round, before it leaves the rest to dispatch tasks.
DISPATCH_HERE_LIMIT = 50
# Set by ``events_dispatched_here``: the events committed in the block, to dispatch after it.
_dispatch_here: ContextVar[list[int] | None] = ContextVar("dispatch_here", default=None)

Subject = Model | tuple[str, object]
EMIT_FIELDS = (
    "type",
    "subject_type",
    "subject_id",
    "payload",
    "actor_kind",
    "actor_id",
    "actor_label",
    "correlation_id",
    "created_at",
    "dispatched_at",
    "next_dispatch_at",
    "updated_at",
)


def _subject_key(subject: Subject) -> tuple[str, str]:
    if isinstance(subject, Model):
        return subject._meta.label_lower, str(subject.pk)
    subject_type, subject_id = subject
    return subject_type, str(subject_id)


@dataclass(frozen=True)
class EventSpec:
    type: str
    subject: Subject
    payload: dict
    actor: Actor | None = None  # None: the actor ``events_emit`` is given
    correlation_id: uuid.UUID | None = None  # None: the one in force (``correlation``)


def event_emit(*, type: str, subject: Subject, payload: dict, actor: Actor) -> Event:
    """Record ``type`` about ``subject`` in the caller's transaction.

    Precondition: the caller is inside ``transaction.atomic()`` together with the change the
    event describes. The dispatch is enqueued only if that transaction commits.
    """
    (event,) = events_emit(specs=[EventSpec(type, subject, payload)], actor=actor)
    return event


def events_emit(*, specs: list[EventSpec], actor: Actor) -> list[Event]:
    """Record several events in one INSERT (same precondition as ``event_emit``); each is
    by ``actor``, with the correlation id in force, unless its spec names its own."""
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit must run inside the transaction of the change it records")
    now = timezone.now()
    due = now + timedelta(seconds=settings.RELAY_DELAY_SECONDS)
    correlation_id = correlation.current()
    rows = []
    handled = _handled({spec.type for spec in specs})
    for spec in specs:
        event_check(spec.type, spec.payload)
        subject_type, subject_id = _subject_key(spec.subject)
        has_handlers = handled[spec.type]
        by = spec.actor or actor
        rows.append(
            (
                spec.type,
                subject_type,
                subject_id,
                spec.payload,
                by.kind,
                by.id,
                by.label,
                spec.correlation_id or correlation_id,
                now,
                None if has_handlers else now,
                due if has_handlers else None,
                now,
            )
        )
    # The event log's hottest write: straight to the database, not through bulk_create's
    # per-value field machinery (most of an emit's cost, and of an import's).
    ids = insert_rows(Event, EMIT_FIELDS, rows, return_ids=True)
    events = [
        _loaded(Event(pk=pk, **dict(zip(EMIT_FIELDS, row, strict=True))))
        for pk, row in zip(ids, rows, strict=True)
    ]
    pending = [e.pk for e in events if e.dispatched_at is None]
    if pending:
        _dispatch_after_commit(pending)
    return events


def _handled(types: set[str]) -> dict[str, bool]:
    """Per type (once per call: an import emits thousands), whether its events are dispatched.

    A type with a handler named for it is; one no handler can take is recorded as dispatched.
    A type only a ``"*"`` handler with a ``wants`` may take (flows, webhooks) is asked of them
    only if nothing of this transaction is being dispatched anyway: asking may read the
    database (the flows stamp), and an event dispatched with others costs no more than its
    row in the batch's update (its dispatch then asks the handlers)."""
    known = {t: registry.handled_without_asking(t) for t in types}
    if None not in known.values():
        return known
    batch = _open_batch(transaction.get_connection())
    if any(known.values()) or (batch is not None and batch.ids):
        return {t: answer is not False for t, answer in known.items()}
    return {
        t: registry.has_handlers(t) if answer is None else answer for t, answer in known.items()
    }


def _loaded(event: Event) -> Event:
    """``event`` as the ORM hands back a row it saved."""
    event._state.adding = False
    event._state.db = router.db_for_write(Event)
    return event


class _DispatchBatch:
    """The events a transaction emits, handed to dispatch tasks of up to DISPATCH_CHUNK events
    once it commits: a transaction that emits 1,000 events (an import, a bulk action) costs
    10 dispatch tasks, not 1,000."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.flushed = False

    def __call__(self) -> None:
        self.flushed = True
        here = _dispatch_here.get()
        if here is not None:
            here.extend(self.ids)  # committed: the task dispatches them when its work is done
            return
        _enqueue_chunks(self.ids)


def _enqueue_chunks(event_ids: list[int]) -> None:
    for start in range(0, len(event_ids), DISPATCH_CHUNK):
        _enqueue_dispatch(event_ids[start : start + DISPATCH_CHUNK])


@contextmanager
def events_dispatched_here() -> Iterator[None]:
    """The events committed in this block (a worker's task: a dispatch, an email's send, a
    run's advance) are dispatched by this process once the block ends, and the events those
    dispatches commit in turn, up to DISPATCH_HERE_LIMIT events in all; the rest go to
    dispatch tasks. An order's chain of work (its event starts a run, the run queues an email
    and emits events, the send emits ``email.sent``) then costs one task per outside nudge
    instead of one per transaction: each task's fixed cost (the broker's message, the pool's
    hand-over, the connection check) was most of a small dispatch's. The events are committed
    before they are dispatched, as with a task; should this process die in between, the relay
    hands them out after RELAY_DELAY_SECONDS, as it does a lost task."""
    ids: list[int] = []
    token = _dispatch_here.set(ids)
    budget = DISPATCH_HERE_LIMIT
    round_: list[int] = []
    try:
        yield
        while ids and budget > 0:
            # Dispatching this round appends the events it commits to ``ids``: the next round.
            round_, ids[:] = ids[:budget], ids[budget:]
            budget -= len(round_)
            with registry.dispatch_scope():
                events_dispatch(event_ids=round_)
            round_ = []
    finally:
        _dispatch_here.reset(token)
        # Past the budget, or after an error: tasks (an unfinished round's too; its events
        # that were dispatched are skipped by the task).
        _enqueue_chunks(round_ + ids)


def _open_batch(connection) -> _DispatchBatch | None:
    """The dispatch batch of the transaction open on ``connection``, if it has one.

    Django keeps the open transaction's commit callbacks in run_on_commit and drops those of a
    savepoint that rolls back: a batch no longer there (or already run) is not this
    transaction's. (An id whose savepoint rolled back may stay in a batch; dispatch skips ids
    with no event row.)"""
    batch = getattr(connection, "soloops_dispatch_batch", None)
    if batch is None or batch.flushed:
        return None
    if not any(func is batch for _sids, func, _robust in connection.run_on_commit):
        return None
    return batch


def _dispatch_after_commit(event_ids: list[int]) -> None:
    connection = transaction.get_connection()
    batch = _open_batch(connection)
    if batch is None:
        batch = _DispatchBatch()
        connection.soloops_dispatch_batch = batch
        transaction.on_commit(batch)
    batch.ids.extend(event_ids)


def _tasks_in_this_database() -> bool:
    """Whether the task queue is a table of this database (the DB worker's backend), so a task
    written in a transaction exists exactly when the transaction commits."""
    from django.tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(task_backends["default"], DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == transaction.get_connection().alias
    )


def events_dispatch_in_transaction() -> None:
    """Write the dispatch task of the events this transaction emitted so far now, inside it,
    when the task queue lives in this database: the task commits or rolls back with its
    events, and the order's commit is the only one (the hot path of intake). Events emitted
    later are still enqueued on commit. With a broker (Celery) a task must not exist before
    its events commit, so there this does nothing."""
    from soloops.events.tasks import dispatch_events

    batch = _open_batch(transaction.get_connection())
    if batch is None or not batch.ids or not _tasks_in_this_database():
        return
    # Not _enqueue_dispatch's catch-all: a failed INSERT inside the transaction must fail it
    # (PostgreSQL refuses every later statement of it anyway), not be logged and ignored.
    ids, batch.ids = batch.ids, []
    for start in range(0, len(ids), DISPATCH_CHUNK):
        dispatch_events.enqueue(event_ids=ids[start : start + DISPATCH_CHUNK])


@dataclass(frozen=True)
class PastEvent:
    """A fact that happened before it was recorded here (an import, the demo shop's year)."""

    type: str
    subject: Subject
    payload: dict
    created_at: datetime
    correlation_id: uuid.UUID


def events_import(*, events: Iterable[PastEvent], actor: Actor) -> int:
    """Record past events as history; return how many.

    Each is dated when it happened and marked dispatched at that time, so no handler, flow,
    email or webhook ever acts on it: history, not work. Give them oldest first, so ids keep
    time order. Precondition: inside the transaction that writes what they describe.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("events_import must run inside the transaction of the import")
    # What an emit writes, but the dispatch schedule and updated_at (history is dispatched).
    fields = tuple(f for f in EMIT_FIELDS if f not in ("next_dispatch_at", "updated_at"))

    def rows():
        for e in events:
            subject_type, subject_id = _subject_key(e.subject)
            when = e.created_at  # it happened then, and needs no dispatch from then on
            yield (
                e.type,
                subject_type,
                subject_id,
                e.payload,
                actor.kind,
                actor.id,
                actor.label,
                e.correlation_id,
                when,
                when,
            )

    return insert_rows(Event, fields, rows())


def _enqueue_dispatch(event_ids: list[int]) -> None:
    from soloops.events.tasks import dispatch_events

    try:
        dispatch_events.enqueue(event_ids=event_ids)
    except Exception:
        # The events are committed; the relay hands them out again after its delay.
        logger.exception("could not enqueue dispatch of events %s; the relay will retry", event_ids)


def _relay_backoff(attempts: int) -> timedelta:
    delay = timedelta(seconds=settings.RELAY_DELAY_SECONDS) * (2 ** min(attempts, 12))
    return min(delay, MAX_RELAY_BACKOFF)


def events_relay(*, now: datetime | None = None) -> int:
    """Hand out again every event still undispatched past its due time; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(
                dispatched_at__isnull=True,
                dispatch_failed_at__isnull=True,
                next_dispatch_at__lte=now,
            )
            .order_by("next_dispatch_at")
            .values_list("pk", "dispatch_attempts")[:RELAY_BATCH]
        )
        by_attempts: dict[int, list[int]] = {}
        for pk, attempts in due:
            by_attempts.setdefault(attempts, []).append(pk)
        for attempts, pks in by_attempts.items():
            Event.objects.filter(pk__in=pks).update(
                dispatch_attempts=attempts + 1, next_dispatch_at=now + _relay_backoff(attempts)
            )
        ids = [pk for pk, _ in due]
        for start in range(0, len(ids), DISPATCH_CHUNK):
            chunk = ids[start : start + DISPATCH_CHUNK]
            transaction.on_commit(lambda chunk=chunk: _enqueue_dispatch(chunk))
    if ids:
        logger.info("relayed %d undispatched events", len(ids))
    return len(ids)


__all__ = [
    "DELIVERY_BATCH",
    "DISPATCH_CHUNK",
    "MAX_DELIVERY_ATTEMPTS",
    "RELAY_BATCH",
    "EventSpec",
    "PastEvent",
    "Subject",
    "event_emit",
    "events_dispatch",
    "events_dispatched_here",
    "events_emit",
    "events_import",
    "events_redact",
    "events_relay",
]
