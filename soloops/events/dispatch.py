"""Dispatch: run each handler of committed events once, its writes with its delivery row.

A dispatch task delivers its events in batches of ``DELIVERY_BATCH``, one transaction each:
the batch's events are locked (a second dispatcher of them waits, then finds them dispatched),
its delivery rows are written in one insert before any handler runs, the handlers run,
the events are marked in one update, and it all commits once. The handlers run without a
savepoint each (two statements per handler, most of a batch's own): should one raise, the batch
rolls back whole and runs again with a savepoint per handler, so the one that raised rolls back
alone (and is retried with backoff) while the others' writes commit. When a dispatcher going
one handler at a time holds some of the same deliveries, the batch falls back to that way too.
"""

import logging
import traceback

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from soloops import correlation
from soloops.events import registry
from soloops.events.models import Delivery, DeliveryStatus, Event

logger = logging.getLogger(__name__)

# A handler that has raised this many times is given up on and shown in the failed inbox.
MAX_DELIVERY_ATTEMPTS = 8
DELIVERY_BATCH = 20


def events_dispatch(*, event_ids: list[int]) -> int:
    """Run every handler not yet delivered for these events; return how many events finished.

    The batch is one transaction: its delivery rows are written in one insert before any
    handler runs, the handlers run, the events are marked in one update, and it all commits
    once, each handler's writes with its delivery row. Its events are locked first: another
    batch of the same events waits for this one. Should a handler raise, the batch rolls
    back whole and is done again with each handler in a savepoint, so the one that raised rolls
    back alone (its delivery recorded failed, to retry) and the others' writes commit. If a
    one-by-one dispatcher holds some of the same deliveries (the insert clashes), this one rolls
    back, before any handler ran, and goes one transaction per handler, which waits for the
    other's outcome and keeps it.
    """
    finished = 0
    for start in range(0, len(event_ids), DELIVERY_BATCH):
        batch = event_ids[start : start + DELIVERY_BATCH]
        try:
            try:
                finished += _dispatch_batch(batch, isolated=False)
            except _HandlerRaised as e:
                # Nothing of the batch committed: every handler runs again, in a savepoint.
                logger.info("%s; the batch is dispatched again, a savepoint per handler", e)
                finished += _dispatch_batch(batch, isolated=True)
        except _Contended:
            finished += _dispatch_one_by_one(batch)
    return finished


class _Contended(Exception):
    """Another dispatcher inserted one of the batch's delivery rows first."""


class _HandlerRaised(Exception):
    """A handler run without a savepoint raised: only the whole batch can roll back."""


def _dispatch_batch(event_ids: list[int], *, isolated: bool) -> int:
    """One transaction for the batch; ``isolated``: each handler in a savepoint of its own.
    Without, a handler that raises rolls the batch back and raises ``_HandlerRaised``."""
    with transaction.atomic():
        # Locked in key order: a second dispatcher of the same events waits here, before it
        # writes anything, then finds them dispatched. (Two inserting the same delivery rows at
        # once deadlock on MariaDB, its unique key's gap locks; the relay skips locked events.)
        events = list(
            Event.objects.select_for_update()
            .filter(pk__in=event_ids, dispatched_at__isnull=True, dispatch_failed_at__isnull=True)
            .order_by("pk")
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
            if not isolated:
                try:
                    with correlation.scope(event.correlation_id):
                        fn(event)
                except Exception as e:
                    raise _HandlerRaised(f"handler {name} raised on event {event.pk}") from e
                continue
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
    return _mark(dispatched, gave_up)


def _mark(dispatched: list[int], gave_up: list[int]) -> int:
    """Mark events dispatched (or given up) unless another dispatcher already did; return how
    many this one marked. On MariaDB a second dispatcher's locking read waits for the first's
    delivery rows and finds them done, so it gets here too: the update then matches nothing."""
    now = timezone.now()
    open_ = {"dispatched_at__isnull": True, "dispatch_failed_at__isnull": True}
    marked = 0
    if dispatched:
        marked += Event.objects.filter(pk__in=dispatched, **open_).update(
            dispatched_at=now, next_dispatch_at=None
        )
    if gave_up:
        marked += Event.objects.filter(pk__in=gave_up, **open_).update(
            dispatch_failed_at=now, next_dispatch_at=None
        )
    return marked


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

    dispatched, gave_up, marked_inline = [], [], 0
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
            marked_inline += 1
            continue
        if all(o in (DeliveryStatus.DONE, DeliveryStatus.GAVE_UP) for o in outcomes.values()):
            (gave_up if DeliveryStatus.GAVE_UP in outcomes.values() else dispatched).append(
                event.pk
            )
    return marked_inline + _mark(dispatched, gave_up)


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
