"""``wait``: hold the run for a duration; the scheduler wakes it."""

from django.utils import timezone

from soloops.automation.flows import document as doc
from soloops.automation.models import StepStatus

from ..outcomes import Next, Outcome, Wait
from ..state import RunState

NAME = "wait"

SCHEMA = {
    "type": "object",
    "required": ["wait"],
    "additionalProperties": False,
    "properties": {"id": doc.ID_SCHEMA, "wait": doc.DURATION_SCHEMA},
}


def check(step: dict, here: tuple, checks: doc.Checks) -> None:
    """The schema says it all: a duration."""


def execute(state: RunState, path: tuple, step: dict) -> Outcome:
    row = state.row
    if row is not None and row.status == StepStatus.WAITING:
        # Only flow_runs_wake_due turns a waiting run back to running, once its wake_at has
        # come by the scheduler's clock; checking again against this worker's clock would
        # put it back to sleep whenever the two clocks disagree (and made the scheduler's
        # ``now`` meaningless to a caller).
        state.record(NAME, StepStatus.DONE)
        return Next(doc.next_after(state.document, path))
    until = timezone.now() + doc.parse_duration(step["wait"])
    state.record(NAME, StepStatus.WAITING, output={"until": until.isoformat()})
    return Wait(until)


def dry_run(document: dict, path: tuple, step: dict, ctx: dict, entry: dict, call) -> tuple | None:
    """Taken as passed (a wait), answered (a wait_for), approved (an approval)."""
    entry["would"] = f"wait {step['wait']}"
    return doc.next_after(document, path)
