"""Advancing a run: stretches of steps, each stretch one transaction.

Each step's row, the action's own writes and the run's new position commit together, so a
worker killed at any point resumes where the last commit left it and no internal action runs
twice. Consecutive internal steps share one transaction, each action in a savepoint of its
own (a failing action rolls back alone): one commit per stretch of internal steps, with one
update of the run and one insert of its new step rows. Actions marked ``outside`` end the
stretch; ``engine.outside`` calls them between two transactions.
"""

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
from .state import ACTIVE, RunState, describe_error
from .steps import kind_of

STEPS_PER_TASK = 50


def flow_run_advance(*, run_id: int) -> str:
    """Run steps until the run waits, finishes or fails; returns the run's status."""
    status, steps = RunStatus.RUNNING, 0
    while steps < STEPS_PER_TASK:
        status, call, done, correlation_id = advance_stretch(run_id, STEPS_PER_TASK - steps)
        steps += done
        if call is not None:
            # The outside action's own events carry the run's correlation id too.
            with correlation.scope(correlation_id):
                status = outside.call_outside(run_id, call)
        if status not in ACTIVE:
            return status
    transaction.on_commit(lambda: dispatch.enqueue_advance(run_id))  # long: continue later
    return status


def lock_run(run_id: int) -> FlowRun:
    # of=self: lock the run only. Without it PostgreSQL refuses the query (FOR UPDATE
    # cannot apply to the nullable side of the outer join to trigger_event), and it would
    # also lock the flow's row, so every run of a flow would queue behind the others.
    return (
        lock_own_rows(FlowRun.objects)
        .select_related("flow", "version", "trigger_event")
        .get(pk=run_id)
    )


def advance_stretch(run_id: int, budget: int) -> tuple[str, CallOutside | None, int, str]:
    """Steps in one transaction, up to ``budget`` of them or to the first step that waits,
    fails, finishes or calls outside. The run is locked and its step rows read once; an
    exception none of the steps handles rolls the whole stretch back. Returns the run's
    status, the outside call to make, the steps done and the run's correlation id (every
    event a step emits carries the id of what started the run)."""
    with transaction.atomic():
        state = RunState.load(lock_run(run_id))
        correlation_id = state.run.trigger.get("correlation_id")
        with correlation.scope(correlation_id):
            done = 0
            while True:
                call = advance_one(state)
                done += 1
                status = state.run.status
                if call is not None or status not in ACTIVE or done >= budget:
                    state.flush()
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
