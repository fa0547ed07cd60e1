"""``do``: call an action with rendered input. Inside actions run in a savepoint of the
stretch's transaction (their writes commit with the step); ``outside`` actions are called
between two transactions (see ``engine.outside``). A compensation is a ``do`` too."""

import logging
from contextlib import nullcontext

from django.db import transaction
from pydantic import ValidationError

from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.flows.actions import ActionCall, available
from soloops.automation.models import StepStatus
from soloops.errors import ApplicationError, Conflict

from ..outcomes import CallOutside, Fail, Next, Outcome
from ..state import (
    RunState,
    describe_error,
    describe_exception,
    idempotency_key,
    jsonable,
    run_actor,
)

logger = logging.getLogger(__name__)
NAME = "do"

SCHEMA = {
    "type": "object",
    "required": ["do"],
    "additionalProperties": False,
    "properties": {
        "id": doc.ID_SCHEMA,
        "do": {"type": "string"},
        "with": {"type": "object"},
        "retry": doc.RETRY_SCHEMA,
        "compensate": doc.ACTION_CALL_SCHEMA,
    },
}


def check(step: dict, here: tuple, checks: doc.Checks) -> None:
    checks.action_call(step, here)
    if "compensate" in step:
        checks.action_call(step["compensate"], (*here, "compensate"))


def execute(state: RunState, path: tuple, step: dict) -> Outcome:
    return perform(
        state, step, kind=NAME, key=idempotency_key(state.run, state.run.cursor), then=path
    )


def after(state: RunState, path: tuple) -> Next:
    return Next(doc.next_after(state.document, path))


def perform(state: RunState, step: dict, *, kind: str, key: str, then: tuple | None) -> Outcome:
    """Call ``step``'s action under idempotency ``key``; on success record its output and go
    on after ``then`` (None: the caller decides what comes next)."""
    action = available().get(step["do"])
    if action is None:
        raise Conflict("unknown_action", f"unknown action {step['do']!r}")
    ctx = state.context()
    inputs = expressions.render(step.get("with", {}), ctx)
    attempt = {"action": action.name, "input": jsonable(inputs), "attempts": 1}
    try:
        parsed = action.parse(inputs)
    except ValidationError as e:
        state.record(kind, StepStatus.FAILED, error=describe_error(e), **attempt)
        return Fail(describe_error(e), permanent=True)
    call = ActionCall(
        idempotency_key=key, actor=run_actor(state.run), context=ctx, run_id=state.run.pk
    )
    if action.outside:
        # Record the attempt, commit, then call the outside world (engine.outside).
        state.record(kind, StepStatus.RUNNING, **attempt)
        return CallOutside(action, parsed, call, state.run.cursor)
    try:
        # A savepoint, so a failing action's writes roll back alone (none for ``writes=False``).
        with transaction.atomic() if action.writes else nullcontext():
            output = action.run(parsed, call) or {}
    except ApplicationError as e:  # the business refused: retrying the same cannot help
        state.record(kind, StepStatus.FAILED, error=describe_error(e), **attempt)
        return Fail(describe_error(e), permanent=True)
    except Exception as e:  # a transient fault (database, network): retry with backoff
        logger.exception("run %s step %s failed", state.run.pk, state.run.cursor)
        error = describe_exception(e)
        state.record(kind, StepStatus.RETRYING, error=error, **attempt)
        return Fail(error, permanent=False)
    state.record(kind, StepStatus.DONE, output=jsonable(output), **attempt)
    return after(state, then) if then is not None else Next(None)


def dry_run(
    document: dict, path: tuple, step: dict, ctx: dict, entry: dict, call: ActionCall
) -> tuple | None:
    """Render the input and ask the action what it would do, without doing it."""
    action = available()[step["do"]]
    rendered = expressions.render(step.get("with", {}), ctx)
    entry.update(action=action.name, input=rendered)
    parsed = action.parse(rendered)
    entry["would"] = action.describe(parsed, call)
    if step.get("id"):
        ctx["steps"][step["id"]] = {"dry_run": True}
    return doc.next_after(document, path)
