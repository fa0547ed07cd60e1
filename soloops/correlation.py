"""The correlation id that ties together every event caused by one request, task or run.

A request or task sets it once; events emitted inside inherit it, and dispatching an event
restores it, so the events a handler emits share the id of the event that caused them.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[uuid.UUID | None] = ContextVar("soloops_correlation_id", default=None)


def current() -> uuid.UUID:
    """The id in force, or a fresh one when nothing set it (a one-off shell command)."""
    return _current.get() or uuid.uuid4()


@contextmanager
def scope(correlation_id: uuid.UUID | str | None = None) -> Iterator[uuid.UUID]:
    value = uuid.UUID(str(correlation_id)) if correlation_id else uuid.uuid4()
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
