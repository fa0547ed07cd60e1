"""The explicit map from event types to the handlers that act on them.

Each app lists its handlers in its own ``events.py`` as ``HANDLERS = {"order.placed": [fn]}``;
``"*"`` subscribes to every type, except the type prefixes the function lists in its
``ignores`` attribute (e.g. ``("flow_run.",)``) and the types its ``wants`` predicate, if it
has one, turns down (outbound webhooks: only the types some URL subscribed to; flows: only the
types a published flow starts on or a saved version waits for), so a
``"*"`` handler with nothing to do costs a dispatch nothing. The registry reads those maps once, at
start-up, so a reader can grep an event type and find everything that reacts to it (no signals).
An event type that nothing handles is recorded as dispatched when it is emitted: no task runs
for it.

A handler receives the ``Event`` and runs inside the transaction that records its delivery:
its database writes commit together with "delivered", exactly once. Outside effects (email,
HTTP, payment) must be enqueued as tasks on commit, with an idempotency key.
"""

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

from django.apps import apps

Handler = Callable[..., None]

_handlers: dict[str, dict[str, Handler]] | None = None
_dispatch_scopes: list[Callable[[], AbstractContextManager]] = []


def handler_name(fn: Handler) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _load() -> dict[str, dict[str, Handler]]:
    table: dict[str, dict[str, Handler]] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.events"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        for event_type, fns in getattr(module, "HANDLERS", {}).items():
            for fn in fns:
                table.setdefault(event_type, {})[handler_name(fn)] = fn
    return table


def _table() -> dict[str, dict[str, Handler]]:
    global _handlers
    if _handlers is None:
        _handlers = _load()
    return _handlers


def handlers_for(event_type: str) -> dict[str, Handler]:
    """Handlers for ``event_type`` by their stable dotted name (the delivery record's key)."""
    table = _table()
    everything = {
        name: fn
        for name, fn in table.get("*", {}).items()
        if _takes(fn, event_type) and _wants(fn, event_type)
    }
    return {**everything, **table.get(event_type, {})}


def has_handlers(event_type: str) -> bool:
    """Whether some handler acts on ``event_type`` (an emit's question: if none does, the event
    is recorded as dispatched). A handler named for the type answers at once; only then is a
    ``"*"`` handler's ``wants`` asked, which may read the database (the flows' trigger index)."""
    named = handled_without_asking(event_type)
    if named is not None:
        return named
    return any(
        _takes(fn, event_type) and _wants(fn, event_type) for fn in _table().get("*", {}).values()
    )


def handled_without_asking(event_type: str) -> bool | None:
    """True if a handler is named for ``event_type``, False if no handler can take it (every
    ``"*"`` handler ignores its prefix), None if only a ``"*"`` handler's ``wants`` can tell."""
    table = _table()
    if table.get(event_type):
        return True
    takers = [fn for fn in table.get("*", {}).values() if _takes(fn, event_type)]
    if not takers:
        return False
    return None if all(getattr(fn, "wants", None) for fn in takers) else True


def _takes(fn: Handler, event_type: str) -> bool:
    """Whether a ``"*"`` handler takes this type at all (not one of the prefixes it ignores)."""
    return not event_type.startswith(getattr(fn, "ignores", ()))


def _wants(fn: Handler, event_type: str) -> bool:
    wants = getattr(fn, "wants", None)
    return wants is None or wants(event_type)


def reset() -> None:
    """Forget the loaded table (tests that register handlers call this)."""
    global _handlers
    _handlers = None


def dispatch_scope_add(factory: Callable[[], AbstractContextManager]) -> None:
    """Wrap every dispatch task in ``factory()``: how an app above (the flow engine) takes
    part in dispatch without this layer importing it. Call it from ``AppConfig.ready``."""
    if factory not in _dispatch_scopes:
        _dispatch_scopes.append(factory)


@contextmanager
def dispatch_scope() -> Iterator[None]:
    """The context every dispatch task runs in: the registered scopes, in registration order."""
    with ExitStack() as stack:
        for factory in _dispatch_scopes:
            stack.enter_context(factory())
        yield
