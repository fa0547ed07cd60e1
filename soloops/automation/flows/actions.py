"""What a flow step can do. Each app lists its actions in its own ``actions.py`` as
``ACTIONS = [Action(...)]``; this module collects them, like the event registry.

An action gets its rendered input (validated by its pydantic model) and an ``ActionCall``
that carries the run's actor and an idempotency key derived from (run, step): an action
with an outside effect must pass that key on, so a retried or resumed step never sends,
charges or ships twice. Actions marked ``outside`` talk to the network directly and run
outside the database transaction; all others run inside the step's transaction, so their
writes commit exactly once together with the step's completion.
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, get_args

from django.apps import apps
from pydantic import BaseModel, ValidationError

from soloops.accounts.actors import Actor
from soloops.automation.flows.expressions import has_template


@dataclass(frozen=True)
class ActionCall:
    idempotency_key: str
    actor: Actor
    context: dict = field(default_factory=dict)
    run_id: int | None = None


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    input: type[BaseModel]
    run: Callable[[Any, ActionCall], dict | None]
    # One sentence saying what the action would do with this input (for dry runs).
    describe: Callable[[Any, ActionCall], str]
    outside: bool = False

    def parse(self, inputs: dict) -> BaseModel:
        return self.input.model_validate(_numbers_as_text(self.input, inputs))

    def check_input(self, inputs: dict) -> list[tuple[tuple, str]]:
        """Problems visible before a run: unknown or missing fields, bad literal values.
        Templated values are checked when the step runs, once they are rendered."""
        problems = []
        known = self.input.model_fields
        for key in inputs:
            if key not in known:
                problems.append(((key,), f"unknown input; {self.name} takes {', '.join(known)}"))
        for name, info in known.items():
            if info.is_required() and name not in inputs:
                problems.append(((name,), "required"))
        literal = {k: v for k, v in inputs.items() if k in known and not has_template(v)}
        try:
            self.input.model_validate({**_placeholders(self.input), **literal})
        except ValidationError as e:
            for error in e.errors():
                loc = error["loc"]
                if loc and loc[0] in literal:
                    problems.append((tuple(loc), error["msg"]))
        return problems

    def schema(self) -> dict:
        return self.input.model_json_schema()


def _placeholders(model: type[BaseModel]) -> dict:
    """Stand-ins for required fields, so literal values can be checked on their own."""
    return {
        name: _STAND_INS.get(info.annotation, "x")
        for name, info in model.model_fields.items()
        if info.is_required()
    }


_STAND_INS = {int: 1, float: 1.0, str: "x", bool: True, dict: {}, list: []}


def _numbers_as_text(model: type[BaseModel], inputs: dict) -> dict:
    """A template that is one expression keeps its type (``{{ order.total }}`` is a number),
    and pydantic refuses a number for a text field; so a number given to a text field is
    written as text: ``reason: "{{ order.total }}"`` works like ``"Total {{ order.total }}"``."""
    fixed = dict(inputs)
    for name, info in model.model_fields.items():
        value = fixed.get(name)
        number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        if number and (info.annotation is str or str in get_args(info.annotation)):
            fixed[name] = str(value)
    return fixed


_registry: dict[str, Action] | None = None


def available() -> dict[str, Action]:
    """Every action of every installed app, by name."""
    global _registry
    if _registry is None:
        table: dict[str, Action] = {}
        for config in apps.get_app_configs():
            module_name = f"{config.name}.actions"
            if importlib.util.find_spec(module_name) is None:
                continue
            for action in getattr(importlib.import_module(module_name), "ACTIONS", []):
                table[action.name] = action
        _registry = table
    return _registry
