"""Template filters of the flows section: ``{% load flow_tags %}``."""

import json

from django import template
from django.utils.translation import gettext as _

from soloops.automation.selectors import RUN_STATUSES

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
