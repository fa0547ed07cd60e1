"""Undoing a cancelled run: its completed steps that name a ``compensate`` action, newest
first (refund the payment, then release the reservation).

The owner's cancel commits the run as ``cancelling`` with its cursor on the first step to
undo (``engine.control``); workers then run each compensation as an engine step of its own,
keyed ``<step>/compensate``: an inside action in the stretch's transaction, an outside one
(``payment.refund``, ``http.request``) through the two-transaction protocol of
``engine.outside``, with the step's idempotency key, its retry policy and, when retries run
out, the failed-runs inbox (retry, skip or cancel again from there). The last one done, the
run is ``cancelled``.
"""

from django.utils import timezone
from pydantic import ValidationError

from soloops.accounts.actors import Actor
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.models import RunStatus, StepStatus
from soloops.errors import ApplicationError

from .events import emit_run_event
from .outcomes import CallOutside, Fail, Next, apply
from .state import (
    RunState,
    compensated_key,
    compensation_key,
    describe_error,
    idempotency_key,
    is_compensation,
)
from .steps import do

FINISHED = (StepStatus.DONE, StepStatus.SKIPPED)


def spec_of(state: RunState, key: str) -> dict:
    """The compensation at ``key`` as a ``do`` step, with the retry policy of its step."""
    step = doc.get_step(state.document, doc.parse_step_key(compensated_key(key)))
    return {**step["compensate"], "retry": step.get("retry", {})}


def first_to_undo(state: RunState) -> str:
    """The key of the next compensation to run ("" when none is left): newest step first."""
    done = [
        row
        for row in state.rows.values()
        if row.kind == do.NAME and row.status == StepStatus.DONE and row.pk is not None
    ]
    for row in sorted(done, key=lambda r: r.pk, reverse=True):
        key = compensation_key(row.key)
        undo = state.rows.get(key)
        if undo is not None and undo.status in FINISHED:
            continue  # skipped by the owner (a done one marks its step compensated)
        if "compensate" in doc.get_step(state.document, doc.parse_step_key(row.key)):
            return key
    return ""


def undo_next(state: RunState) -> CallOutside | None:
    """Run the compensation under the cursor (or the next one, if that one is finished)."""
    run = state.run
    current = state.row
    if not is_compensation(run.cursor) or (current is not None and current.status in FINISHED):
        state.set(cursor=first_to_undo(state))
    if not run.cursor:
        cancelled(state)
        return None
    spec = spec_of(state, run.cursor)
    key = idempotency_key(run, compensated_key(run.cursor), "-compensate")
    try:
        outcome = do.perform(state, spec, kind="compensate", key=key, then=None)
    except (expressions.ExpressionError, ValidationError, ApplicationError) as e:
        outcome = Fail(describe_error(e), permanent=True)
    if isinstance(outcome, Next):
        undone(state)
        return None
    return apply(state, spec, outcome)


def undone(state: RunState) -> None:
    """The compensation under the cursor is done: its step is compensated; on to the next."""
    undo = state.row
    step_row = state.rows[compensated_key(state.run.cursor)]
    step_row.status = StepStatus.COMPENSATED
    step_row.output = {**step_row.output, "compensation": undo.output}
    state.touch(step_row)
    state.set(cursor=first_to_undo(state), status=RunStatus.CANCELLING, error="")
    if not state.run.cursor:
        cancelled(state)


def cancelled(state: RunState, actor: Actor | None = None) -> None:
    """Every compensation is done (or skipped): the run is cancelled."""
    compensated = [
        compensated_key(row.key)
        for row in state.rows.values()
        if is_compensation(row.key) and row.status == StepStatus.DONE
    ]
    state.set(status=RunStatus.CANCELLED, finished_at=timezone.now(), wake_at=None, cursor="")
    emit_run_event(
        state.run, "flow_run.cancelled", {"compensated": compensated}, actor=actor, flow=True
    )
