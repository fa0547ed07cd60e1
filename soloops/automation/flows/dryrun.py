"""Dry run: what a flow version would do with a past event — the path it takes, each step's
rendered input and what each action would do — without doing any of it.

Nothing here writes: actions are asked to ``describe`` their input, never to ``run``, and the
whole evaluation runs in a transaction that is rolled back as a second line of defence. Each
step kind describes itself (``engine.steps``), and the trigger's filter is the engine's own
``where`` match, so the dry run takes the path a run would.
"""

from django.db import transaction
from pydantic import ValidationError

from soloops.automation.engine.match import matches
from soloops.automation.engine.steps import kind_of
from soloops.automation.flows import context as flow_context
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.flows.actions import ActionCall
from soloops.automation.models import Event


class _Rollback(Exception):
    pass


def dry_run(*, document: dict, event: Event | None, actor, trigger: dict | None = None) -> dict:
    report: dict = {}
    try:
        with transaction.atomic():
            report = _evaluate(document, event, actor, trigger)
            raise _Rollback
    except _Rollback:
        pass
    return report


def _evaluate(document: dict, event: Event | None, actor, trigger: dict | None) -> dict:
    trigger = trigger or ({"event": flow_context.event_dict(event)} if event else {})
    ctx = flow_context.for_event(event, trigger)
    ctx.update(run={"id": None, "depth": 0}, flow={"name": document["name"]}, steps={})
    report = {"triggered": True, "condition": None, "steps": [], "notes": []}
    _check_trigger(document, event, ctx, report)
    report["steps"] = walk(
        document, ctx, ActionCall(idempotency_key="dry-run", actor=actor, context=ctx)
    )
    return report


def _check_trigger(document: dict, event: Event | None, ctx: dict, report: dict) -> None:
    spec = document["trigger"]
    if "event" in spec:
        if event is None or event.type != spec["event"]:
            report["notes"].append(f"the flow listens to {spec['event']}, not to this event")
            report["triggered"] = False
        where = spec.get("where", {})
        if event is not None and where and not matches(where, event):
            report["notes"].append("the event does not match the trigger's where filter")
            report["triggered"] = False
    if "if" in document:
        try:
            report["condition"] = bool(expressions.evaluate(document["if"], ctx))
        except expressions.ExpressionError as e:
            report["condition"] = False
            report["notes"].append(f"if: {e}")
        if not report["condition"]:
            report["triggered"] = False


def walk(document: dict, ctx: dict, call: ActionCall, limit: int = 500) -> list[dict]:
    """The steps a run would take from the first, each as the step kind describes itself;
    a wait is taken as passed, a wait_for as answered, an approval as approved."""
    entries: list[dict] = []
    path = (0,)
    while path is not None and len(entries) < limit:
        step = doc.get_step(document, path)
        kind = kind_of(step)
        entry = {"step": doc.format_path(("steps", *path)), "kind": doc.step_kind(step)}
        entries.append(entry)
        try:
            path = kind.dry_run(document, path, step, ctx, entry, call)
        except (expressions.ExpressionError, ValidationError, KeyError) as e:
            entry["error"] = str(e)
            path = doc.next_after(document, path)
    return entries
