"""Handing runs to workers: advance the runs an event task started in that task (a few) and
in batched tasks (the rest), and the scheduler's part (due waits, stalled runs)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from soloops.automation.models import FlowRun, RunStatus

from .state import ACTIVE, COMPENSATE, stalled_after

logger = logging.getLogger(__name__)

# Set by ``runs_advanced_here``: the runs to advance once the block ends.
_advance_here: ContextVar[list[int] | None] = ContextVar("advance_here", default=None)
# How many of them the block's own process advances; the rest go to the queue in tasks of
# ADVANCE_BATCH runs, so a big batch of events still spreads its runs over all workers.
INLINE_RUNS = 5
ADVANCE_BATCH = 10


@contextmanager
def runs_advanced_here() -> Iterator[None]:
    """Runs started (or resumed) in this block, once committed, are advanced right after it:
    the first INLINE_RUNS by this process, the others by tasks of ADVANCE_BATCH runs each,
    instead of one task per run. The dispatch task uses it, so a run its event starts usually
    costs no task of its own. If this process dies before it gets to them, the scheduler
    hands them out as stalled runs."""
    runs: list[int] = []
    token = _advance_here.set(runs)
    try:
        yield
    except BaseException:
        _advance_here.reset(token)
        _enqueue_batches(runs)
        raise
    _advance_here.reset(token)
    _enqueue_batches(runs[INLINE_RUNS:])
    flow_runs_advance(run_ids=runs[:INLINE_RUNS])


def flow_runs_advance(*, run_ids: list[int]) -> None:
    """Advance the runs, the first stretch of each in one shared transaction (see
    ``engine.advance.flow_runs_advance``); one that raises is logged and left to the scheduler."""
    from .advance import flow_runs_advance as advance

    advance(run_ids=run_ids)


def _enqueue_batches(run_ids: list[int]) -> None:
    from soloops.automation.tasks import advance_runs

    for start in range(0, len(run_ids), ADVANCE_BATCH):
        batch = run_ids[start : start + ADVANCE_BATCH]
        try:
            advance_runs.enqueue(run_ids=batch)
        except Exception:
            logger.exception("could not enqueue runs %s; the scheduler will pick them up", batch)


def enqueue_advance(run_id: int) -> None:
    from soloops.automation.tasks import advance_run

    here = _advance_here.get()
    if here is not None:
        here.append(run_id)
        return
    try:
        advance_run.enqueue(run_id=run_id)
    except Exception:
        logger.exception("could not enqueue run %s; the scheduler will pick it up", run_id)


def flow_runs_wake_due(*, now: datetime | None = None) -> int:
    """Runs whose wait, timeout or retry is due, and running runs that stalled (their
    worker died), go back to the workers. Safe for several schedulers at once."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            FlowRun.objects.select_for_update(skip_locked=True)
            .filter(status__in=[RunStatus.WAITING, RunStatus.AWAITING_APPROVAL], wake_at__lte=now)
            .values_list("pk", flat=True)[:500]
        )
        # updated_at is the real clock: it is what the stalled check below compares, and a
        # caller's ``now`` (a test driving time forward) must not push it into the future.
        # A run waiting to retry a compensation goes back to cancelling.
        FlowRun.objects.filter(pk__in=due).update(
            status=Case(
                When(cursor__endswith=f"/{COMPENSATE}", then=Value(RunStatus.CANCELLING)),
                default=Value(RunStatus.RUNNING),
            ),
            updated_at=timezone.now(),
        )
        stalled = list(
            FlowRun.objects.select_for_update(skip_locked=True)
            .filter(status__in=ACTIVE, updated_at__lt=now - stalled_after())
            .exclude(pk__in=due)
            .values_list("pk", flat=True)[:500]
        )
        FlowRun.objects.filter(pk__in=stalled).update(updated_at=timezone.now())
        for run_id in [*due, *stalled]:
            transaction.on_commit(lambda run_id=run_id: enqueue_advance(run_id))
    return len(due) + len(stalled)
