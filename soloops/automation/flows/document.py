"""Flow documents: parse (YAML or JSON), validate with errors that name the path and line,
and address steps by path.

A step's path is a list of indexes and branch names: ``(2,)`` is the third top-level step,
``(1, "then", 0)`` the first step of the second step's ``then`` branch. Its text form, used
as the key of a step's row in a run, is ``"1/then/0"``.
"""

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import yaml
from croniter import croniter
from jsonschema import Draft202012Validator

from soloops.automation.flows import expressions

DURATION = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
BRANCHES = ("then", "else", "on_timeout", "on_reject")
STEP_KINDS = ("do", "if", "wait", "wait_for", "approve")

# Schema fragments the step kinds (``engine.steps``) build their schemas from.
DURATION_SCHEMA = {"type": "string", "pattern": DURATION.pattern}
ID_SCHEMA = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
RETRY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "attempts": {"type": "integer", "minimum": 1, "maximum": 20},
        "backoff": DURATION_SCHEMA,
        "max_backoff": DURATION_SCHEMA,
    },
}
ACTION_CALL_SCHEMA = {
    "type": "object",
    "required": ["do"],
    "additionalProperties": False,
    "properties": {"do": {"type": "string"}, "with": {"type": "object"}},
}
STEPS_SCHEMA = {"type": "array", "items": {"type": "object"}}
FLOW_SCHEMA = {
    "type": "object",
    "required": ["name", "trigger", "steps"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string"},
        "trigger": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "event": {"type": "string", "minLength": 1},
                "where": {"type": "object"},
                "schedule": {"type": "string"},
                "timezone": {"type": "string"},
                "manual": {"const": True},
                "webhook": {"const": True},
            },
        },
        "if": {"type": "string", "minLength": 1},
        "steps": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    },
}


@dataclass(frozen=True)
class Problem:
    path: str  # steps[2].with.template
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.path}: {self.message}{where}"


class InvalidFlow(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def parse_duration(text: str) -> timedelta:
    match = DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 30s, 15m, 48h, 7d")
    return timedelta(**{DURATION_UNITS[match.group(2)]: int(match.group(1))})


def format_path(parts) -> str:
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text or "(document)"


def step_key(path: tuple) -> str:
    return "/".join(str(p) for p in path)


def parse_step_key(key: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in key.split("/")) if key else ()


def step_kind(step: dict) -> str | None:
    return next((k for k in STEP_KINDS if k in step), None)


def get_step(document: dict, path: tuple) -> dict:
    steps = document["steps"]
    step = steps[path[0]]
    for i in range(1, len(path), 2):
        step = step[path[i]][path[i + 1]]
    return step


def first_of(document: dict, path: tuple, branch: str) -> tuple | None:
    """The first step of ``branch`` of the step at ``path``, else the step after it."""
    if get_step(document, path).get(branch):
        return (*path, branch, 0)
    return next_after(document, path)


def next_after(document: dict, path: tuple) -> tuple | None:
    """The step that runs after the one at ``path`` finishes (None: the flow is done)."""
    parent, index = path[:-1], path[-1]
    siblings = document["steps"] if not parent else get_step(document, parent[:-1])[parent[-1]]
    if index + 1 < len(siblings):
        return (*parent, index + 1)
    if not parent:
        return None
    return next_after(document, parent[:-1])


def _line_map(source: str) -> dict[tuple, int]:
    """Line numbers (1-based) of every node of a YAML/JSON source, by path."""
    lines: dict[tuple, int] = {}

    def walk(node, path):
        # A mapping key keeps its own line: "wait_for:" rather than the line of its first field.
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: plain YAML keeps the
    last silently, so a step with two ``with:`` would run with half of what the owner wrote."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(source: str) -> dict:
    """The document in ``source`` (YAML, or JSON, which YAML reads too)."""
    try:
        document = yaml.load(source, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        raise InvalidFlow(
            [
                Problem(
                    "(document)",
                    f"not valid YAML or JSON{column}: {getattr(e, 'problem', e)}",
                    line,
                )
            ]
        ) from None
    if not isinstance(document, dict):
        raise InvalidFlow(
            [Problem("(document)", "a flow is a mapping with name, trigger, steps", 1)]
        )
    return document


def validate(source: str, actions: dict) -> dict:
    """Parse and check everything that can be checked before a run; raise InvalidFlow with
    every problem found, each naming its path and line. Returns the document."""
    document = parse(source)
    lines = _line_map(source)
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        line = None
        for n in range(len(path), -1, -1):  # the nearest node that has a line
            if path[:n] in lines:
                line = lines[path[:n]]
                break
        problems.append(Problem(format_path(path), message, line))

    for path, message in _schema_problems(FLOW_SCHEMA, document):
        add(path, message)
    if problems:
        raise InvalidFlow(problems)

    trigger = document["trigger"]
    kinds = [k for k in ("event", "schedule", "manual", "webhook") if k in trigger]
    if len(kinds) != 1:
        add(("trigger",), "say exactly one of event, schedule, manual or webhook")
    if "schedule" in trigger and not croniter.is_valid(trigger["schedule"]):
        add(("trigger", "schedule"), f"{trigger['schedule']!r} is not a valid cron expression")
    if "timezone" in trigger:
        if "schedule" not in trigger:
            add(("trigger", "timezone"), "timezone belongs to a schedule trigger")
        elif not _is_time_zone(trigger["timezone"]):
            add(("trigger", "timezone"), f"unknown time zone {trigger['timezone']!r}")
    if str(trigger.get("event", "")).startswith("flow_run."):
        # The engine ignores its own runs' events (a run reacting to runs would loop).
        add(("trigger", "event"), "a run's own events (flow_run.*) do not trigger flows")
    if "where" in trigger and "event" not in trigger:
        add(("trigger", "where"), "where filters an event trigger only")
    if "if" in document:
        _check_expression(document["if"], ("if",), add)

    # Each step kind owns its schema and its checks; imported here because the engine's
    # step modules import this one.
    from soloops.automation.engine import steps as step_kinds

    ids: set[str] = set()
    checks = Checks(add=add, actions=actions)

    def check_steps(steps: list, path: tuple) -> None:
        for i, step in enumerate(steps):
            here = (*path, i)
            kind = step_kind(step)
            if kind is None:
                add(here, f"a step needs one of: {', '.join(STEP_KINDS)}")
                continue
            before = len(problems)
            module = step_kinds.KINDS[kind]
            for path, message in _schema_problems(module.SCHEMA, step):
                add((*here, *path), message)
            if len(problems) > before:
                continue
            if step.get("id"):
                if step["id"] in ids:
                    add((*here, "id"), f"id {step['id']!r} is used twice")
                ids.add(step["id"])
            module.check(step, here, checks)
            for branch in BRANCHES:
                if branch in step:
                    check_steps(step[branch], (*here, branch))

    check_steps(document["steps"], ("steps",))
    if problems:
        raise InvalidFlow(problems)
    return document


def _schema_problems(schema: dict, instance) -> list[tuple[tuple, str]]:
    """JSON-Schema errors as (path, message), pointing at the field itself: a missing field
    is named (``trigger: required``), and so is each unexpected one (``steps[0].foo``), so
    the line reported is the one to fix."""
    found = []
    for error in Draft202012Validator(schema).iter_errors(instance):
        path = tuple(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    found.append(((*path, name), "required"))
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for name in error.instance:
                if name not in allowed:
                    found.append(
                        ((*path, name), f"unknown field; expected one of {', '.join(allowed)}")
                    )
        elif error.validator == "pattern" and error.validator_value == DURATION.pattern:
            found.append((path, f"{error.instance!r} is not a duration such as 30s, 15m, 48h, 7d"))
        else:
            found.append((path, error.message))
    return found


def _is_time_zone(name) -> bool:
    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Checks:
    """What a step kind's ``check`` uses to report problems before a run."""

    add: Callable[[tuple, str], None]
    actions: dict

    def expression(self, source: str, path: tuple) -> None:
        _check_expression(source, path, self.add)

    def template(self, source: str, path: tuple) -> None:
        _check_template(source, path, self.add)

    def templates_in(self, value, path: tuple) -> None:
        for template in expressions.templates_in(value):
            _check_template(template, path, self.add)

    def action_call(self, call: dict, path: tuple) -> None:
        _check_action_call(call, path, self.actions, self.add)


def _check_expression(source: str, path: tuple, add) -> None:
    try:
        expressions.check_condition(source)
    except expressions.ExpressionError as e:
        add(path, str(e))


def _check_template(source: str, path: tuple, add) -> None:
    try:
        expressions.check_template(source)
    except expressions.ExpressionError as e:
        add(path, str(e))


def _check_action_call(call: dict, path: tuple, actions: dict, add) -> None:
    action = actions.get(call["do"])
    if action is None:
        add((*path, "do"), f"unknown action {call['do']!r}")
        return
    inputs = call.get("with", {})
    for key, value in inputs.items():
        for template in expressions.templates_in(value):
            _check_template(template, (*path, "with", key), add)
    for problem_path, message in action.check_input(inputs):
        add((*path, "with", *problem_path), message)
