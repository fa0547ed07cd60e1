"""The transactional outbox: emit an event with the change, dispatch it after commit, relay it.

Promises:
- an event emitted in a transaction that rolls back does not exist, so it is never dispatched;
- a committed event is dispatched by the task enqueued on commit, or, if that task is lost
  (crash, broker down, worker killed), by the scheduler's relay after ``RELAY_DELAY_SECONDS``;
- each handler's delivery row commits together with the handler's writes, so however many
  times an event is dispatched, each handler's writes commit once;
- a dispatch task delivers its events in batches, one transaction each: each handler runs in a
  savepoint, so one that raises rolls back alone (and is retried with backoff) while the
  others' writes commit; a crash rolls the batch back whole, and the relay hands it out again.
"""

import logging
import traceback
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from soloops import correlation
from soloops.accounts.actors import Actor
from soloops.automation.models import Delivery, DeliveryStatus, Event
from soloops.bulk_insert import insert_rows
from soloops.events import registry
from soloops.events.catalogue import event_check

logger = logging.getLogger(__name__)

# A handler that has raised this many times is given up on and shown in the failed inbox.
MAX_DELIVERY_ATTEMPTS = 8
# The relay's wait between re-dispatches of one event doubles up to this cap.
MAX_RELAY_BACKOFF = timedelta(hours=1)
RELAY_BATCH = 500
DISPATCH_CHUNK = 100
DELIVERY_BATCH = 20

Subject = Model | tuple[str, object]


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


def event_emit(*, type: str, subject: Subject, payload: dict, actor: Actor) -> Event:
    """Record ``type`` about ``subject`` in the caller's transaction.

    Precondition: the caller is inside ``transaction.atomic()`` together with the change the
    event describes. The dispatch is enqueued only if that transaction commits.
    """
    (event,) = events_emit(specs=[EventSpec(type, subject, payload)], actor=actor)
    return event


def events_emit(*, specs: list[EventSpec], actor: Actor) -> list[Event]:
    """Record several events in one INSERT (same precondition as ``event_emit``)."""
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit must run inside the transaction of the change it records")
    now = timezone.now()
    due = now + timedelta(seconds=settings.RELAY_DELAY_SECONDS)
    correlation_id = correlation.current()
    rows = []
    for spec in specs:
        event_check(spec.type, spec.payload)
        subject_type, subject_id = _subject_key(spec.subject)
        has_handlers = bool(registry.handlers_for(spec.type))
        rows.append(
            Event(
                type=spec.type,
                subject_type=subject_type,
                subject_id=subject_id,
                payload=spec.payload,
                actor_kind=actor.kind,
                actor_id=actor.id,
                actor_label=actor.label,
                correlation_id=correlation_id,
                created_at=now,
                dispatched_at=None if has_handlers else now,
                next_dispatch_at=due if has_handlers else None,
            )
        )
    events = Event.objects.bulk_create(rows)
    pending = [e.pk for e in events if e.dispatched_at is None]
    if pending:
        _dispatch_after_commit(pending)
    return events


class _DispatchBatch:
    """The events a transaction emits, handed to dispatch tasks of up to DISPATCH_CHUNK events
    once it commits: a transaction that emits 1,000 events (an import, a bulk action) costs
    10 dispatch tasks, not 1,000."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.flushed = False

    def __call__(self) -> None:
        self.flushed = True
        for start in range(0, len(self.ids), DISPATCH_CHUNK):
            _enqueue_dispatch(self.ids[start : start + DISPATCH_CHUNK])


def _dispatch_after_commit(event_ids: list[int]) -> None:
    connection = transaction.get_connection()
    batch = getattr(connection, "soloops_dispatch_batch", None)
    # Django keeps the open transaction's commit callbacks in run_on_commit and drops those
    # of a savepoint that rolls back: a batch no longer there (or already run) is not this
    # transaction's, so a new one is registered. (An id whose savepoint rolled back may stay
    # in a batch; dispatch skips ids with no event row.)
    if (
        batch is None
        or batch.flushed
        or not any(func is batch for _sids, func, _robust in connection.run_on_commit)
    ):
        batch = _DispatchBatch()
        connection.soloops_dispatch_batch = batch
        transaction.on_commit(batch)
    batch.ids.extend(event_ids)


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
    fields = (
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
    )

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


def events_dispatch(*, event_ids: list[int]) -> int:
    """Run every handler not yet delivered for these events; return how many events finished.

    The batch is one transaction: its delivery rows are written in one insert before any
    handler runs, each handler runs in a savepoint (one that raises rolls back alone, and its
    delivery is recorded failed, to retry), the events are marked in one update, and it all
    commits once, each handler's writes with its delivery row. If another dispatcher holds
    some of the same deliveries (the insert clashes), this one rolls back, before any handler
    ran, and goes one transaction per handler, which waits for the other's outcome and keeps it.
    """
    finished = 0
    for start in range(0, len(event_ids), DELIVERY_BATCH):
        batch = event_ids[start : start + DELIVERY_BATCH]
        try:
            finished += _dispatch_batch(batch)
        except _Contended:
            finished += _dispatch_one_by_one(batch)
    return finished


class _Contended(Exception):
    """Another dispatcher inserted one of the batch's delivery rows first."""


def _dispatch_batch(event_ids: list[int]) -> int:
    with transaction.atomic():
        events = list(
            Event.objects.filter(
                pk__in=event_ids, dispatched_at__isnull=True, dispatch_failed_at__isnull=True
            ).order_by("pk")
        )
        if not events:
            return 0
        # Locked in key order: a FAILED row another dispatcher is retrying is waited for.
        rows = {
            (d.event_id, d.handler): d
            for d in Delivery.objects.select_for_update().filter(event__in=events).order_by("pk")
        }
        work = _claim(events, rows)
        for event, name, fn, row in work:
            try:
                with transaction.atomic(), correlation.scope(event.correlation_id):
                    fn(event)
            except Exception:
                logger.exception("handler %s failed on event %s", name, event.pk)
                row.status = (
                    DeliveryStatus.GAVE_UP
                    if row.attempts >= MAX_DELIVERY_ATTEMPTS
                    else DeliveryStatus.FAILED
                )
                Delivery.objects.filter(event=event, handler=name).update(
                    status=row.status, last_error=traceback.format_exc(), updated_at=timezone.now()
                )
        return _mark_events(events, rows)


def _claim(events: list[Event], rows: dict) -> list:
    """Write the batch's deliveries as done (new ones in one insert, retries in one update)
    before their handlers run; return (event, handler name, handler, row) to run."""
    work, new, retried = [], [], []
    for event in events:
        for name, fn in registry.handlers_for(event.type).items():
            row = rows.get((event.pk, name))
            if row is None:
                row = Delivery(event=event, handler=name, status=DeliveryStatus.DONE, attempts=1)
                rows[(event.pk, name)] = row
                new.append(row)
            elif row.status == DeliveryStatus.FAILED:
                row.status, row.attempts = DeliveryStatus.DONE, row.attempts + 1
                retried.append(row.pk)
            else:
                continue
            work.append((event, name, fn, row))
    if new:
        try:
            Delivery.objects.bulk_create(new)
        except IntegrityError as e:
            # Its insert committed (ours waited for it), so its outcome is readable now.
            raise _Contended from e
    if retried:
        Delivery.objects.filter(pk__in=retried).update(
            status=DeliveryStatus.DONE,
            attempts=F("attempts") + 1,
            last_error="",
            updated_at=timezone.now(),
        )
    return work


def _mark_events(events: list[Event], rows: dict) -> int:
    """Mark the events whose every handler is done (or given up); return how many."""
    by_event: dict[int, list[Delivery]] = {}
    for (event_id, _name), row in rows.items():
        by_event.setdefault(event_id, []).append(row)
    dispatched, gave_up = [], []
    for event in events:
        handlers = registry.handlers_for(event.type)
        # A failed delivery of a handler no longer registered holds nothing up.
        statuses = [
            row.status
            for row in by_event.get(event.pk, [])
            if row.handler in handlers or row.status != DeliveryStatus.FAILED
        ]
        if DeliveryStatus.FAILED in statuses:
            continue  # the relay hands it out again
        (gave_up if DeliveryStatus.GAVE_UP in statuses else dispatched).append(event.pk)
    now = timezone.now()
    if dispatched:
        Event.objects.filter(pk__in=dispatched).update(dispatched_at=now, next_dispatch_at=None)
    if gave_up:
        Event.objects.filter(pk__in=gave_up).update(dispatch_failed_at=now, next_dispatch_at=None)
    return len(dispatched) + len(gave_up)


def _dispatch_one_by_one(event_ids: list[int]) -> int:
    """One transaction per handler: the way when another dispatcher holds the same events."""
    events = list(
        Event.objects.filter(
            pk__in=event_ids, dispatched_at__isnull=True, dispatch_failed_at__isnull=True
        )
    )
    finished_rows = Delivery.objects.filter(
        event__in=events, status__in=[DeliveryStatus.DONE, DeliveryStatus.GAVE_UP]
    ).values_list("event_id", "handler", "status")
    finished: dict[int, dict[str, str]] = {}
    for event_id, handler, status in finished_rows:
        finished.setdefault(event_id, {})[handler] = status

    dispatched, gave_up = [], []
    for event in events:
        outcomes = dict(finished.get(event.pk, {}))
        handlers = registry.handlers_for(event.type).items()
        pending = [(name, fn) for name, fn in handlers if name not in outcomes]
        marked = False
        for index, (name, fn) in enumerate(pending):
            # The last handler, when every other one is done, marks the event dispatched in
            # its own transaction: one commit fewer per event in the usual case.
            last = index == len(pending) - 1 and all(
                o == DeliveryStatus.DONE for o in outcomes.values()
            )
            outcomes[name], marked = _deliver(event, name, fn, mark_dispatched=last)
        if marked:
            continue
        if all(o in (DeliveryStatus.DONE, DeliveryStatus.GAVE_UP) for o in outcomes.values()):
            (gave_up if DeliveryStatus.GAVE_UP in outcomes.values() else dispatched).append(
                event.pk
            )
    now = timezone.now()
    if dispatched:
        Event.objects.filter(pk__in=dispatched).update(dispatched_at=now, next_dispatch_at=None)
    if gave_up:
        Event.objects.filter(pk__in=gave_up).update(dispatch_failed_at=now, next_dispatch_at=None)
    return len(dispatched) + len(gave_up)


def _deliver(
    event: Event, name: str, fn: registry.Handler, *, mark_dispatched: bool = False
) -> tuple[str | None, bool]:
    """Run one handler once. Returns the delivery's status (another worker's, if it ran it)
    and whether the event was marked dispatched with it (``mark_dispatched``)."""
    try:
        with transaction.atomic():
            row = Delivery.objects.select_for_update().filter(event=event, handler=name).first()
            if row is None:
                # Inserted before the handler runs and committed with its writes: a second
                # dispatcher blocks on this row's unique key, then finds it done.
                Delivery.objects.create(
                    event=event, handler=name, status=DeliveryStatus.DONE, attempts=1
                )
            elif row.status != DeliveryStatus.FAILED:
                return row.status, False
            else:
                row.status = DeliveryStatus.DONE
                row.attempts += 1
                row.last_error = ""
                row.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            with correlation.scope(event.correlation_id):
                fn(event)
            if mark_dispatched:
                Event.objects.filter(pk=event.pk).update(
                    dispatched_at=timezone.now(), next_dispatch_at=None
                )
        return DeliveryStatus.DONE, mark_dispatched
    except IntegrityError:
        # Another dispatcher inserted this delivery; its insert had to commit for ours to
        # clash, so its outcome is readable now. Taking it lets this dispatcher finish the event
        # (two dispatchers each holding one handler would otherwise both leave it to the relay).
        status = (
            Delivery.objects.filter(event=event, handler=name)
            .values_list("status", flat=True)
            .first()
        )
        return status, False
    except Exception:
        logger.exception("handler %s failed on event %s", name, event.pk)
        return _record_failure(event, name, traceback.format_exc()), False


def _record_failure(event: Event, name: str, error: str) -> str:
    with transaction.atomic():
        row, created = Delivery.objects.select_for_update().get_or_create(
            event=event,
            handler=name,
            defaults={"status": DeliveryStatus.FAILED, "attempts": 1, "last_error": error},
        )
        if not created:
            if row.status != DeliveryStatus.FAILED:
                # Another dispatcher finished this handler while ours was failing (e.g. our
                # lock wait timed out): turning its DONE into FAILED would run it again.
                return row.status
            row.attempts += 1
            row.last_error = error
        row.status = (
            DeliveryStatus.GAVE_UP
            if row.attempts >= MAX_DELIVERY_ATTEMPTS
            else DeliveryStatus.FAILED
        )
        row.save(update_fields=["status", "attempts", "last_error", "updated_at"])
    return row.status


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


def events_redact(
    *, match: str, texts: list[str], replacement: str, subjects: dict[str, list] | None = None
) -> int:
    """Blank a person's data in past events, for an erasure request: in the payloads that
    mention ``match`` (an email) or are about one of ``subjects``, every string holding one of
    ``texts`` has it replaced. The one exception to "events are immutable": the law's right to
    be forgotten outranks the audit trail; the event's type, subject, actor and time stay.
    Returns how many events changed. Precondition: the caller holds the erasure transaction.
    A scan of the event log's payloads: rare (an erasure), so no index is kept for it."""
    texts = sorted({t for t in texts if t and len(t) >= 2}, key=len, reverse=True)
    if not match or not texts:
        return 0
    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    which = Q(payload_text__contains=match)
    for subject_type, ids in (subjects or {}).items():
        if ids:
            which |= Q(subject_type=subject_type, subject_id__in=[str(i) for i in ids])
    rows = list(
        Event.objects.alias(payload_text=Cast("payload", TextField())).filter(which).order_by("pk")
    )

    def clean(value):
        if isinstance(value, str):
            for text in texts:
                value = value.replace(text, replacement)
            return value
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    changed = []
    for event in rows:
        payload = clean(event.payload)
        if payload != event.payload:
            event.payload = payload
            changed.append(event)
    Event.objects.bulk_update(changed, ["payload"], batch_size=500)
    return len(changed)
