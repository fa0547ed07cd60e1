"""Template filters of the flows section: ``{% load flow_tags %}``."""

import json

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.automation.selectors import RUN_STATUSES
from soloops.dashboard import timeline

register = template.Library()
_STATUS_LABELS = dict(RUN_STATUSES)


@register.filter
def pretty_json(value) -> str:
    """A step's input or output as indented JSON (dates and decimals as text)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@register.filter
def step_path(key: str) -> str:
    """A step's key as the path the editor's errors use: ``1/then/0`` → ``steps[1].then[0]``."""
    text = "steps"
    for part in str(key).split("/"):
        text += f"[{part}]" if part.isdigit() else f".{part}"
    return text


_BRANCHES = {
    "then": gettext_lazy("then"),
    "else": gettext_lazy("else"),
    "on_timeout": gettext_lazy("on timeout"),
    "on_reject": gettext_lazy("if rejected"),
    "compensate": gettext_lazy("undo"),
}
_KINDS = {
    "approve": gettext_lazy("approval"),
    "wait": gettext_lazy("wait"),
    "wait_for": gettext_lazy("wait for an event"),
    "if": gettext_lazy("condition"),
    "compensate": gettext_lazy("undo"),
}


@register.filter
def step_number(key: str) -> str:
    """A step's place for people, counted from 1: ``1/on_reject/0`` → "2 > if rejected > 1"
    (with a single right-pointing angle quote);
    ``step_path`` is the editor's form, for the document's author."""
    if not key:
        return "—"
    parts = [
        str(int(part) + 1) if part.isdigit() else str(_BRANCHES.get(part, part))
        for part in str(key).split("/")
    ]
    return " \u203a ".join(parts)


@register.filter
def step_kind(step) -> str:
    """What a step does, in words: the action a ``do`` step calls, else its kind."""
    if step.action:
        return step.action
    return str(_KINDS.get(step.kind, step.kind))


@register.filter
def run_status(value: str) -> str:
    """A run status value ("failed") as its label, in the person's language."""
    label = _STATUS_LABELS.get(value)
    return str(label) if label is not None else value


@register.filter
def trigger_summary(flow) -> str:
    """What starts a flow, in a few words, from its published version."""
    kind = flow.trigger_kind
    if not kind:
        return _("not published")
    if kind == "event":
        return _("event %(type)s") % {"type": flow.trigger_event}
    if kind == "schedule":
        trigger = (flow.published_version.document or {}).get("trigger", {})
        return _("schedule %(cron)s (%(tz)s)") % {
            "cron": trigger.get("schedule", "?"),
            "tz": trigger.get("timezone", "UTC"),
        }
    if kind == "webhook":
        return _("webhook")
    return _("started by hand")


# A run's or step's error by its code, in the reader's language; the params are those the
# engine kept beside the English sentence (``engine.state.describe_error``).
ERROR_TEXTS = {
    "illegal_transition": gettext_lazy("It is %(current)s and cannot become %(requested)s."),
    "not_found": gettext_lazy("What the step names does not exist."),
    "invalid_input": gettext_lazy("The step's input is not valid: %(fields)s."),
    "fault": gettext_lazy("A fault outside the flow (%(type)s): %(text)s"),
    "reason_required": gettext_lazy("A reason is required."),
    "unknown_action": gettext_lazy("The flow calls an action that does not exist."),
}
STATUS_PARAMS = ("current", "requested")


@register.filter
def run_error(row) -> str:
    """A run's or step's error in the reader's language, when its code is known and the
    stored detail is about this error; otherwise the stored English sentence."""
    error, detail = row.error, getattr(row, "error_detail", None) or {}
    text = ERROR_TEXTS.get(detail.get("code", ""))
    if not error or text is None or detail.get("message") != error:
        return error
    params = {k: v for k, v in (detail.get("params") or {}).items()}
    for key in STATUS_PARAMS:
        if key in params:
            params[key] = timeline.status_word(str(params[key]))
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return error
