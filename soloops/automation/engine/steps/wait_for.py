"""``wait_for``: hold the run until a matching event comes (``engine.triggers`` resumes it)
or the timeout passes (then its ``on_timeout`` steps run)."""

from django.utils import timezone

from soloops.automation.flows import context as flow_context
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.models import Event, StepStatus

from ..match import matches
from ..outcomes import Next, Outcome, Wait
from ..state import RunState, jsonable

NAME = "wait_for"
# How many events of the awaited type a wait_for looks back over (see awaited_since_start).
LOOKBACK_EVENTS = 1000

SCHEMA = {
    "type": "object",
    "required": ["wait_for"],
    "additionalProperties": False,
    "properties": {
        "id": doc.ID_SCHEMA,
        "wait_for": {
            "type": "object",
            "required": ["event", "timeout"],
            "additionalProperties": False,
            "properties": {
                "event": {"type": "string", "minLength": 1},
                "where": {"type": "object"},
                "timeout": doc.DURATION_SCHEMA,
            },
        },
        "on_timeout": doc.STEPS_SCHEMA,
    },
}


def check(step: dict, here: tuple, checks: doc.Checks) -> None:
    for key, value in step["wait_for"].get("where", {}).items():
        checks.templates_in(value, (*here, "wait_for", "where", key))


def execute(state: RunState, path: tuple, step: dict) -> Outcome:
    spec, row = step["wait_for"], state.row
    if row is not None and row.status == StepStatus.WAITING:
        # Woken by the clock, not by an event: the wait timed out.
        state.record(NAME, StepStatus.DONE, output={"timed_out": True})
        return Next(doc.first_of(state.document, path, "on_timeout"))
    where = jsonable(expressions.render(spec.get("where", {}), state.context()))
    early = awaited_since_start(state, spec["event"], where)
    if early is not None:
        state.record(
            NAME,
            StepStatus.DONE,
            input={"event": spec["event"], "where": where},
            output={"event": flow_context.event_dict(early)},
        )
        return Next(doc.next_after(state.document, path))
    until = timezone.now() + doc.parse_duration(spec["timeout"])
    state.record(
        NAME,
        StepStatus.WAITING,
        input={"event": spec["event"], "where": where, "until": until.isoformat()},
    )
    return Wait(until, event=spec["event"], where=where)


def awaited_since_start(state: RunState, event_type: str, where: dict) -> Event | None:
    """A matching event that happened after the run started but before it reached this
    wait_for. Without this look back, an event that came while the run was still on an
    earlier step (the owner accepted the held order before the worker got to the wait, the
    payment arrived during a ``wait: 1h``) was missed and the run timed out instead. An event
    an earlier wait_for of this run already consumed does not count twice."""
    consumed = {
        row.output["event"]["id"]
        for row in state.rows.values()
        if row.kind == NAME
        and isinstance(row.output, dict)
        and isinstance(row.output.get("event"), dict)
    }
    candidates = Event.objects.filter(
        type=event_type, created_at__gte=state.run.created_at
    ).order_by("id")[:LOOKBACK_EVENTS]
    for event in candidates:
        if event.pk not in consumed and matches(where, event):
            return event
    return None


def dry_run(document: dict, path: tuple, step: dict, ctx: dict, entry: dict, call) -> tuple | None:
    """Taken as passed (a wait), answered (a wait_for), approved (an approval)."""
    spec = step["wait_for"]
    entry["input"] = expressions.render(spec.get("where", {}), ctx)
    entry["would"] = (
        f"wait up to {spec['timeout']} for {spec['event']}; "
        f"if none comes, run {len(step.get('on_timeout', []))} on_timeout step(s)"
    )
    return doc.next_after(document, path)
