"""Parse a flow document (YAML, or JSON) and check everything that can be checked before a
run, each problem naming its path and line. The step kinds check their own steps
(``engine.steps``); the trigger and the document's shape are checked here."""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import yaml
from croniter import croniter
from jsonschema import Draft202012Validator

from soloops.automation.flows import expressions
from soloops.automation.flows.document import (
    BRANCHES,
    DURATION,
    FLOW_SCHEMA,
    STEP_KINDS,
    InvalidFlow,
    Problem,
    format_path,
    step_kind,
)


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

    _check_trigger(document["trigger"], add)
    if "if" in document:
        _check_expression(document["if"], ("if",), add)
    _check_steps(document["steps"], ("steps",), Checks(add=add, actions=actions), problems, set())
    if problems:
        raise InvalidFlow(problems)
    return document


def _check_trigger(trigger: dict, add) -> None:
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


def _check_steps(steps: list, path: tuple, checks: "Checks", problems: list, ids: set) -> None:
    """Each step against its kind's schema, then the kind's own checks, branches included."""
    # Each step kind owns its schema and its checks; imported here because the engine's
    # step modules import the document module.
    from soloops.automation.engine import steps as step_kinds

    for i, step in enumerate(steps):
        here = (*path, i)
        kind = step_kind(step)
        if kind is None:
            checks.add(here, f"a step needs one of: {', '.join(STEP_KINDS)}")
            continue
        before = len(problems)
        module = step_kinds.KINDS[kind]
        for field_path, message in _schema_problems(module.SCHEMA, step):
            checks.add((*here, *field_path), message)
        if len(problems) > before:
            continue
        if step.get("id"):
            if step["id"] in ids:
                checks.add((*here, "id"), f"id {step['id']!r} is used twice")
            ids.add(step["id"])
        module.check(step, here, checks)
        for branch in BRANCHES:
            if branch in step:
                _check_steps(step[branch], (*here, branch), checks, problems, ids)


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
