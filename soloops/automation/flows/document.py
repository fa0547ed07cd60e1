"""Flow documents: their schema and the problems found in them, and steps addressed by path.
Parsing and validation (errors that name the path and line) are in ``flows.validation`` and
re-exported here, the one door the engine uses.

A step's path is a list of indexes and branch names: ``(2,)`` is the third top-level step,
``(1, "then", 0)`` the first step of the second step's ``then`` branch. Its text form, used
as the key of a step's row in a run, is ``"1/then/0"``.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

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


# Parsing and validation, re-exported: callers say doc.parse, doc.validate, doc.Checks.
from soloops.automation.flows.validation import Checks as Checks  # noqa: E402
from soloops.automation.flows.validation import parse as parse  # noqa: E402
from soloops.automation.flows.validation import validate as validate  # noqa: E402
