"""``if``: evaluate a condition and go on with its ``then`` or ``else`` steps."""

from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.models import StepStatus

from ..outcomes import Next, Outcome
from ..state import RunState

NAME = "if"


def choose(document: dict, path: tuple, step: dict, ctx: dict) -> tuple[bool, tuple | None]:
    """The condition's value and the step that follows from it (shared with the dry run)."""
    result = bool(expressions.evaluate(step["if"], ctx))
    return result, doc.first_of(document, path, "then" if result else "else")


SCHEMA = {
    "type": "object",
    "required": ["if", "then"],
    "additionalProperties": False,
    "properties": {
        "id": doc.ID_SCHEMA,
        "if": {"type": "string", "minLength": 1},
        "then": doc.STEPS_SCHEMA,
        "else": doc.STEPS_SCHEMA,
    },
}


def check(step: dict, here: tuple, checks: doc.Checks) -> None:
    checks.expression(step["if"], (*here, "if"))


def execute(state: RunState, path: tuple, step: dict) -> Outcome:
    result, then = choose(state.document, path, step, state.context())
    state.record(NAME, StepStatus.DONE, output={"result": result})
    return Next(then)


def dry_run(document: dict, path: tuple, step: dict, ctx: dict, entry: dict, call) -> tuple | None:
    entry["result"], then = choose(document, path, step, ctx)
    return then
