"""Dry run: what a flow version would do with a past event — the path it takes, each step's
rendered input and what each action would do — without doing any of it.

Nothing here writes: actions are asked to ``describe`` their input, never to ``run``, and the
whole evaluation runs in a transaction that is rolled back as a second line of defence.
"""

from django.db import transaction
from pydantic import ValidationError

from soloops.automation.flows import context as flow_context
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.flows.actions import ActionCall, available
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
    spec = document["trigger"]
    if "event" in spec:
        if event is None or event.type != spec["event"]:
            report["notes"].append(f"the flow listens to {spec['event']}, not to this event")
            report["triggered"] = False
        where = spec.get("where", {})
        if event is not None and where:
            fields = {**event.payload, "subject_id": event.subject_id}
            if not all(str(fields.get(k)) == str(v) for k, v in where.items()):
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
    path = (0,)
    guard = 0
    while path is not None and guard < 500:
        guard += 1
        step = doc.get_step(document, path)
        kind = doc.step_kind(step)
        entry = {"step": doc.format_path(("steps", *path)), "kind": kind}
        report["steps"].append(entry)
        try:
            if kind == "if":
                result = bool(expressions.evaluate(step["if"], ctx))
                entry["result"] = result
                path = doc.first_of(document, path, "then" if result else "else")
                continue
            if kind == "do":
                action = available()[step["do"]]
                rendered = expressions.render(step.get("with", {}), ctx)
                entry.update(action=action.name, input=rendered)
                parsed = action.parse(rendered)
                call = ActionCall(idempotency_key="dry-run", actor=actor, context=ctx)
                entry["would"] = action.describe(parsed, call)
                if step.get("id"):
                    ctx["steps"][step["id"]] = {"dry_run": True}
            elif kind == "wait":
                entry["would"] = f"wait {step['wait']}"
            elif kind == "wait_for":
                spec_wait = step["wait_for"]
                entry["input"] = expressions.render(spec_wait.get("where", {}), ctx)
                entry["would"] = (
                    f"wait up to {spec_wait['timeout']} for {spec_wait['event']}; "
                    f"if none comes, run {len(step.get('on_timeout', []))} on_timeout step(s)"
                )
            elif kind == "approve":
                entry["would"] = "ask the owner: " + str(
                    expressions.render(step["approve"]["message"], ctx)
                )
        except (expressions.ExpressionError, ValidationError, KeyError) as e:
            entry["error"] = str(e)
        path = doc.next_after(document, path)
    return report
