"""The owner's part: retry a failed step, skip it, cancel the run, decide an approval.
Each checks the run's status under its row lock, changes it, records the event, and leaves
the rest to a worker."""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.automation.flows import document as doc
from soloops.automation.models import FlowRun, RunStatus, StepRun, StepStatus
from soloops.errors import Conflict, PermissionDenied
from soloops.locking import lock_own_rows

from . import compensation, dispatch
from .events import emit_run_event
from .outcomes import move
from .state import RunState, is_compensation
from .steps.approve import approval_settle

CANCELLABLE = {RunStatus.FAILED, RunStatus.WAITING, RunStatus.AWAITING_APPROVAL, RunStatus.RUNNING}


def owner_action(run: FlowRun, allowed: set[str], verb: str) -> FlowRun:
    run = lock_own_rows(FlowRun.objects).select_related("flow", "version").get(pk=run.pk)
    if run.status not in allowed:
        raise Conflict(
            "illegal_run_action",
            f"run {run.pk} is {run.status}; it cannot be {verb}",
            field="status",
            extra={"current": run.status},
        )
    return run


def _resume(run: FlowRun, cursor: str | None = None) -> None:
    """Hand the run back to the workers on ``cursor`` (default: where it is): running, or
    cancelling when the cursor is a compensation."""
    state = RunState(run=run, rows={})
    key = run.cursor if cursor is None else cursor
    move(state, doc.parse_step_key(key) if key else None)
    if is_compensation(key):
        state.set(status=RunStatus.CANCELLING)
    state.flush()
    transaction.on_commit(lambda: dispatch.enqueue_advance(run.pk))


def flow_run_retry(*, run: FlowRun, actor: Actor) -> FlowRun:
    """Run the failed step (or compensation) again, with a fresh set of attempts."""
    with transaction.atomic():
        run = owner_action(run, {RunStatus.FAILED}, "retried")
        StepRun.objects.filter(run=run, key=run.cursor).update(
            status=StepStatus.RETRYING, attempts=0
        )
        _resume(run)
        emit_run_event(run, "flow_run.retried", {"step": run.cursor}, actor=actor)
    return run


def flow_run_skip(*, run: FlowRun, actor: Actor) -> FlowRun:
    """Mark the failed (or waiting) step skipped and go on with the next one; a skipped
    compensation leaves its step as it was and the cancel goes on with the next one."""
    with transaction.atomic():
        run = owner_action(
            run, {RunStatus.FAILED, RunStatus.WAITING, RunStatus.AWAITING_APPROVAL}, "skipped"
        )
        key = run.cursor
        StepRun.objects.filter(run=run, key=key).update(status=StepStatus.SKIPPED)
        if is_compensation(key):
            _resume(run)
        else:
            path = doc.parse_step_key(key)
            after = doc.next_after(run.version.document, path) if path else None
            _resume(run, doc.step_key(after) if after is not None else "")
        emit_run_event(run, "flow_run.skipped", {"step": key}, actor=actor)
    return run


def flow_run_cancel(*, run: FlowRun, actor: Actor) -> FlowRun:
    """Stop the run and undo its completed steps that name a ``compensate`` action, newest
    first (release the reservation, refund the payment). With nothing to undo the run is
    cancelled at once; otherwise it is ``cancelling`` until a worker has run every
    compensation (see ``engine.compensation``)."""
    with transaction.atomic():
        run = owner_action(run, CANCELLABLE, "cancelled")
        if is_compensation(run.cursor):  # its compensation failed: cancelling again retries it
            StepRun.objects.filter(run=run, key=run.cursor, status=StepStatus.FAILED).update(
                status=StepStatus.RETRYING, attempts=0
            )
        state = RunState.load(run)
        step = run.cursor
        first = compensation.first_to_undo(state)
        state.set(wake_at=None, wait_event="", wait_where={})
        if not first:
            state.set(cursor="")
            compensation.cancelled(state, actor)
            state.flush()
            return run
        state.set(status=RunStatus.CANCELLING, cursor=first)
        state.flush()
        emit_run_event(run, "flow_run.cancelling", {"step": step}, actor=actor, flow=True)
        transaction.on_commit(lambda: dispatch.enqueue_advance(run.pk))
    return run


def flow_run_decide(*, run: FlowRun, approved: bool, note: str, actor: Actor) -> FlowRun:
    """The owner's answer to an ``approve`` step."""
    if not actor.can_write:
        raise PermissionDenied("read_only", "this actor may not decide")
    with transaction.atomic():
        run = owner_action(run, {RunStatus.AWAITING_APPROVAL}, "decided")
        from soloops.automation.services.approvals import approval_settle_if_decided

        if approval_settle_if_decided(run=run):
            return run  # answered elsewhere already: settled with a note, not failed
        key = approval_settle(run=run, approved=approved, output={"note": note, "by": actor.label})
        emit_run_event(
            run,
            "flow_run.approved" if approved else "flow_run.rejected",
            {"step": key, "note": note},
            actor=actor,
            flow=True,
        )
        transaction.on_commit(lambda: dispatch.enqueue_advance(run.pk))
    return run
