"""``approve``: ask the owner; the run waits for their answer (or the timeout, which counts
as a rejection). ``approval_settle`` is the one way to complete a waiting approval: the
owner's decision uses it, and so may code that learns the answer elsewhere (the held order
was decided on its own page) with an outcome and a note."""

from django.utils import timezone

from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.models import FlowRun, RunStatus, StepRun, StepStatus

from ..events import emit_run_event
from ..outcomes import Next, Outcome, Settled, Wait, move
from ..state import RunState

NAME = "approve"

SCHEMA = {
    "type": "object",
    "required": ["approve"],
    "additionalProperties": False,
    "properties": {
        "id": doc.ID_SCHEMA,
        "approve": {
            "type": "object",
            "required": ["message"],
            "additionalProperties": False,
            "properties": {"message": {"type": "string"}, "timeout": doc.DURATION_SCHEMA},
        },
        "on_reject": doc.STEPS_SCHEMA,
    },
}


def check(step: dict, here: tuple, checks: doc.Checks) -> None:
    checks.template(step["approve"]["message"], (*here, "approve", "message"))


def execute(state: RunState, path: tuple, step: dict) -> Outcome:
    row, spec = state.row, step["approve"]
    if row is not None and row.status == StepStatus.WAITING:
        # Imported here, like the event log: the services package imports the engine.
        from soloops.automation.services import approvals

        decided = approvals.approval_settled_by(state.run)
        if decided is not None:
            # Decided elsewhere meanwhile (the order page, the API): nothing to time out.
            key, settled = state.run.cursor, approvals.settlement(decided)
            state.record(NAME, StepStatus.DONE, output=settled)
            approvals.settled_emit(run=state.run, key=key, decided=decided, settled=settled)
            return Settled()
        # Woken by the clock: nobody decided in time, which counts as a rejection.
        state.record(NAME, StepStatus.DONE, output={"approved": False, "timed_out": True})
        return Next(doc.first_of(state.document, path, "on_reject"))
    message = str(expressions.render(spec["message"], state.context()))
    state.record(NAME, StepStatus.WAITING, input={"message": message})
    until = timezone.now() + doc.parse_duration(spec["timeout"]) if "timeout" in spec else None
    emit_run_event(state.run, "flow_run.awaiting_approval", {"message": message}, flow=True)
    return Wait(until, status=RunStatus.AWAITING_APPROVAL)


def approval_settle(*, run: FlowRun, approved: bool, output: dict) -> str:
    """Complete the approval ``run`` waits on (precondition: the run is locked and awaiting
    approval) with ``output`` (``approved``, ``note``, who or what decided); the run goes on
    after the step, or into its ``on_reject`` steps. Returns the step's key. The caller
    records its own event and enqueues the run."""
    key = run.cursor
    StepRun.objects.filter(run=run, key=key).update(
        status=StepStatus.DONE,
        output={"approved": approved, **output},
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    state = RunState(run=run, rows={})
    path = doc.parse_step_key(key)
    document = run.version.document
    move(
        state,
        doc.next_after(document, path) if approved else doc.first_of(document, path, "on_reject"),
    )
    state.flush()
    return key


def dry_run(document: dict, path: tuple, step: dict, ctx: dict, entry: dict, call) -> tuple | None:
    """Taken as passed (a wait), answered (a wait_for), approved (an approval)."""
    entry["would"] = "ask the owner: " + str(expressions.render(step["approve"]["message"], ctx))
    return doc.next_after(document, path)
