"""The action plug-in interface: what a flow step can do. Public to every app, like
``soloops.accounts.actors``: each app lists its actions in its own ``actions.py`` as
``ACTIONS = [Action(...)]`` without importing the flow engine, which collects them
(``soloops.automation.flows.actions.available``) and calls them.

An action gets its rendered input (validated by its pydantic model) and an ``ActionCall``
that carries the run's actor and an idempotency key derived from (run, step): an action
with an outside effect must pass that key on, so a retried or resumed step never sends,
charges or ships twice. Actions marked ``outside`` talk to the network directly and run
outside the database transaction; all others run inside the step's transaction, so their
writes commit exactly once together with the step's completion.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from soloops.accounts.actors import Actor


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
    # False for an action that writes nothing to the database (``log``): it needs no
    # savepoint of its own, two statements fewer per step on the engine's hot path.
    writes: bool = True

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


def has_template(value: Any) -> bool:
    """Whether ``value`` (or anything inside it) is a template to render when the step runs."""
    if isinstance(value, dict):
        return any(has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(has_template(v) for v in value)
    return isinstance(value, str) and ("{{" in value or "{%" in value)
