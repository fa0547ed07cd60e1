"""What a flow's conditions and templates can see.

``event`` (type, subject, payload, actor), ``trigger``, ``run``, ``flow``, ``steps`` (each
step's output by its id) and whatever the event's subject adds: each app may list context
providers in its ``events.py`` as ``CONTEXT = {"orders.order": provider}``, where a provider
takes the subject id and returns roots such as ``{"order": ..., "customer": ..., "lines": ...}``.
"""

import importlib
import importlib.util
from collections.abc import Callable

from django.apps import apps

from soloops.automation.models import Event

_providers: dict[str, Callable[[str], dict]] | None = None


def providers() -> dict[str, Callable[[str], dict]]:
    global _providers
    if _providers is None:
        table = {}
        for config in apps.get_app_configs():
            name = f"{config.name}.events"
            if importlib.util.find_spec(name) is not None:
                table.update(getattr(importlib.import_module(name), "CONTEXT", {}))
        _providers = table
    return _providers


def event_dict(event: Event) -> dict:
    return {
        "id": event.pk,
        "type": event.type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "payload": event.payload,
        "actor": {"kind": event.actor_kind, "id": event.actor_id, "label": event.actor_label},
        "created_at": event.created_at.isoformat(),
    }


def for_event(event: Event | None, trigger: dict) -> dict:
    """The context of a run started by ``event`` (or by a schedule, webhook or the owner)."""
    context: dict = {"trigger": trigger, "event": trigger.get("event") or {}, "steps": {}}
    if event is not None:
        context["event"] = event_dict(event)
        provider = providers().get(event.subject_type)
        if provider is not None:
            context.update(provider(event.subject_id) or {})
    return context
