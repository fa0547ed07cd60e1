"""Event type patterns a subscription lists: an exact type (``order.placed``), a prefix
wildcard (``order.*``) or everything (``*``)."""

import re

from soloops.events.catalogue import event_types

PATTERN = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$")
# Our own delivery bookkeeping is never delivered: a failing URL would feed on itself.
NEVER = ("webhook.",)


def matches(pattern: str, event_type: str) -> bool:
    if event_type.startswith(NEVER):
        return False
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def any_matches(patterns: list[str], event_type: str) -> bool:
    return any(matches(p, event_type) for p in patterns)


def problem(pattern: str) -> str | None:
    """Why ``pattern`` can never match a declared event type, or None when it is fine."""
    if not PATTERN.match(pattern):
        return f"'{pattern}' is not an event type or a wildcard like order.*"
    if not any(matches(pattern, t) for t in event_types()):
        return f"'{pattern}' matches no event type (see soloops events catalogue)"
    return None
