"""Advancing a run: stretches of steps, each stretch one transaction.

Each step's row, the action's own writes and the run's new position commit together, so a
worker killed at any point resumes where the last commit left it and no internal action runs
twice. Consecutive internal steps share one transaction, each action in a savepoint of its
own (a failing action rolls back alone): one commit per stretch of internal steps, with one
update of the run and one insert of its new step rows. Actions marked ``outside`` end the
stretch; ``engine.outside`` calls them between two transactions.
"""

import logging

from django.db import transaction
from pydantic import ValidationError

from soloops import correlation
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.models import FlowRun, RunStatus
from soloops.errors import ApplicationError
from soloops.locking import lock_own_rows

from . import compensation, dispatch, outside
from .outcomes import CallOutside, Fail, Finish, apply
from .state import ACTIVE, RunState, describe_error, step_rows_of
from .steps import kind_of

logger = logging.getLogger(__name__)
STEPS_PER_TASK = 50

Stretch = tuple[str, CallOutside | None, int, str]  # status, outside call, steps, correlation


def flow_run_advance(*, run_id: int) -> str:
    """Run steps until the run waits, finishes or fails; returns the run's status."""
    return _go_on(run_id, advance_stretch(run_id, STEPS_PER_TASK))


def flow_runs_advance(*, run_ids: list[int]) -> None:
    """Advance each run as ``flow_run_advance`` does, the first stretch of every run in one
    transaction (one lock of the runs, one read of their step rows, one insert of their new
    step rows, one commit). Should a run raise there, the shared transaction rolls back whole
    and each run is advanced in a transaction of its own, so the one that raises rolls back
    alone. A run that raises in its own transaction is logged and left to the scheduler (it is
    still running, so it is handed out again once it has stalled).
    """
    if len(run_ids) <= 1:
        stretches = {}
    else:
        try:
            stretches = advance_stretches(run_ids, STEPS_PER_TASK)
        except Exception as e:
            # Logged with its traceback when that run raises again in its own transaction.
            logger.info("runs %s: one raised advancing together (%r); one at a time", run_ids, e)
            stretches = {}
    for run_id in run_ids:
        try:
            if run_id not in stretches:
                flow_run_advance(run_id=run_id)
            else:
                _go_on(run_id, stretches[run_id])
        except Exception:
            logger.exception("run %s failed to advance; the scheduler will hand it out", run_id)


def _go_on(run_id: int, first: Stretch) -> str:
    """After a stretch: make its outside call, and go on stretch by stretch until the run
    waits, finishes or fails, or has done STEPS_PER_TASK steps (then it continues later)."""
    status, steps = RunStatus.RUNNING, 0
    stretch = first
    while True:
        status, call, done, correlation_id = stretch
        steps += done
        if call is not None:
            # The outside action's own events carry the run's correlation id too.
            with correlation.scope(correlation_id):
                status = outside.call_outside(run_id, call)
        if status not in ACTIVE:
            return status
        if steps >= STEPS_PER_TASK:
            transaction.on_commit(lambda: dispatch.enqueue_advance(run_id))  # continue later
            return status
        stretch = advance_stretch(run_id, STEPS_PER_TASK - steps)


def lock_run(run_id: int) -> FlowRun:
    # of=self: lock the run only. Without it PostgreSQL refuses the query (FOR UPDATE
    # cannot apply to the nullable side of the outer join to trigger_event), and it would
    # also lock the flow's row, so every run of a flow would queue behind the others.
    return (
        lock_own_rows(FlowRun.objects)
        .select_related("flow", "version", "trigger_event")
        .get(pk=run_id)
    )


def lock_runs(run_ids: list[int]) -> list[FlowRun]:
    """``lock_run`` for several runs, locked in key order (as every lock of several runs)."""
    return list(
        lock_own_rows(FlowRun.objects)
        .select_related("flow", "version", "trigger_event")
        .filter(pk__in=run_ids)
        .order_by("pk")
    )


def advance_stretch(run_id: int, budget: int) -> Stretch:
    """Steps in one transaction, up to ``budget`` of them or to the first step that waits,
    fails, finishes or calls outside. The run is locked and its step rows read once; an
    exception none of the steps handles rolls the whole stretch back. Returns the run's
    status, the outside call to make, the steps done and the run's correlation id (every
    event a step emits carries the id of what started the run)."""
    with transaction.atomic():
        state = RunState.load(lock_run(run_id))
        stretch = _stretch(state, budget)
        state.flush()
        return stretch


def advance_stretches(run_ids: list[int], budget: int) -> dict[int, Stretch]:
    """The first stretch of each run, all in one transaction, their writes saved together
    (``RunState.flush_all``). No savepoint per run (two statements each): a run that raises
    rolls the whole transaction back, and the exception goes to the caller. Returns each
    run's stretch; a run not returned is gone."""
    stretches: dict[int, Stretch] = {}
    with transaction.atomic():
        runs = lock_runs(run_ids)
        rows = step_rows_of(runs)
        states = [RunState(run=run, rows=rows.get(run.pk, {})) for run in runs]
        for state in states:
            stretches[state.run.pk] = _stretch(state, budget)
        RunState.flush_all(states)
    return stretches


def _stretch(state: RunState, budget: int) -> Stretch:
    correlation_id = state.run.trigger.get("correlation_id")
    with correlation.scope(correlation_id):
        done = 0
        while True:
            call = advance_one(state)
            done += 1
            status = state.run.status
            if call is not None or status not in ACTIVE or done >= budget:
                return status, call, done, correlation_id


def advance_one(state: RunState) -> CallOutside | None:
    """One step of a locked run, inside the stretch's transaction."""
    run = state.run
    if run.status == RunStatus.CANCELLING:
        return compensation.undo_next(state)
    if run.status != RunStatus.RUNNING:
        return None
    if not run.cursor:
        return apply(state, None, Finish())
    path = doc.parse_step_key(run.cursor)
    step = doc.get_step(state.document, path)
    try:
        outcome = kind_of(step).execute(state, path, step)
    except (expressions.ExpressionError, ValidationError, ApplicationError) as e:
        # The document or the business said no: retrying the same thing cannot help.
        outcome = Fail(describe_error(e), permanent=True)
    return apply(state, step, outcome)
