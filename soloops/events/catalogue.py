"""The catalogue of event types: every type an app emits, with the schema of its payload.

Each app declares the types it emits in its own ``events.py``::

    EVENTS = declare(
        EventType("order.placed", OrderPlaced, "an order came in", subject="orders.order"),
    )

``events_emit`` checks every event against the catalogue before it writes it: a type nobody
declared, or a payload without a declared field (or with a field of the wrong type), is a
programming error and raises ``InvalidEvent`` in the emitting transaction, so it never reaches
the log. A payload may carry more than its schema declares (flows and timelines read extras);
the schema names what consumers may rely on. The README's event list is rendered from here
(``soloops events catalogue``).
"""

import dataclasses
import importlib
import importlib.util
from dataclasses import dataclass

from django.apps import apps
from pydantic import BaseModel, ConfigDict, ValidationError


class Payload(BaseModel):
    """Base of every payload schema: declared fields are required and typed; more may come."""

    model_config = ConfigDict(extra="allow", strict=True)


class AnyPayload(Payload):
    """For types whose payload is free-form (test probes)."""


class InvalidEvent(RuntimeError):
    """An event the catalogue does not allow: a bug in the emitting code, not bad input."""


@dataclass(frozen=True)
class EventType:
    type: str  # "order.placed"; a trailing "*" declares a whole family ("probe.*")
    payload: type[Payload]
    doc: str  # one line: what happened
    subject: str = ""  # the model label of the subject ("orders.order"), "" when it varies
    app: str = ""  # the declaring app ("soloops.orders"), filled in when the catalogue loads


def declare(*types: EventType) -> dict[str, EventType]:
    table = {}
    for event_type in types:
        if event_type.type in table:
            raise ValueError(f"event type {event_type.type!r} is declared twice")
        table[event_type.type] = event_type
    return table


_catalogue: dict[str, EventType] | None = None


def _load() -> dict[str, EventType]:
    table: dict[str, EventType] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.events"
        if importlib.util.find_spec(module_name) is None:
            continue
        for name, event_type in getattr(importlib.import_module(module_name), "EVENTS", {}).items():
            if name in table:
                raise ValueError(f"event type {name!r} is declared by two apps")
            table[name] = dataclasses.replace(event_type, app=config.name)
    return table


def event_types() -> dict[str, EventType]:
    """Every declared type by name, sorted."""
    global _catalogue
    if _catalogue is None:
        _catalogue = dict(sorted(_load().items()))
    return _catalogue


def event_type_get(name: str) -> EventType | None:
    types = event_types()
    if name in types:
        return types[name]
    family = name.split(".", 1)[0] + ".*"
    return types.get(family)


def event_check(name: str, payload: dict) -> None:
    """Raise ``InvalidEvent`` unless ``name`` is declared and ``payload`` fits its schema."""
    declared = event_type_get(name)
    if declared is None:
        raise InvalidEvent(f"event type {name!r} is not declared in any app's events.py")
    try:
        declared.payload.model_validate(payload)
    except ValidationError as e:
        raise InvalidEvent(f"payload of {name!r} does not fit its schema: {e}") from e


def catalogue_markdown() -> str:
    """The event list as a Markdown table (the README's "Events" section)."""
    rows = ["| event | subject | payload | what happened |", "|---|---|---|---|"]
    for name, declared in event_types().items():
        if not declared.app.startswith("soloops."):
            continue  # test probes
        fields = ", ".join(
            f"`{info.alias or field}`" + ("" if info.is_required() else "?")
            for field, info in declared.payload.model_fields.items()
        )
        rows.append(f"| `{name}` | {declared.subject or '—'} | {fields} | {declared.doc} |")
    return "\n".join(rows) + "\n"
