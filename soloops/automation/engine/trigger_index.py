"""Which flows an event type starts, and which event types a run may be waiting for, kept in
each process instead of read from the database for every event.

The index is rebuilt when the flows stamp (one row, ``FlowsStamp``) has a new token: every
write that changes what starts or resumes runs (``flow_save``, ``flow_publish``,
``flow_set_enabled``) calls ``flows_stamp_bump`` in its own transaction, so another process
sees the new token exactly when it sees the change — correct across processes and machines,
for one primary-key read. A dispatch task reads the token once (``pinned``): its events are
matched against the flows as they were when it started, as a single read would have.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from soloops.automation.models import Flow, FlowsStamp, FlowVersion, TriggerKind

STAMP_ID = 1


@dataclass(frozen=True)
class TriggerIndex:
    token: uuid.UUID | None
    # Enabled, published flows with an event trigger, by the event type they wait for.
    by_event: dict[str, list[Flow]]
    # Every event type a ``wait_for`` of any saved version names: an event of another type
    # resumes no run, so it costs no query of the waiting runs.
    waitable: frozenset[str]

    def flows_for(self, event_type: str) -> list[Flow]:
        return self.by_event.get(event_type, [])


_index: TriggerIndex | None = None
# Set by ``pinned``: the index read once for the whole block.
_pinned: ContextVar[dict | None] = ContextVar("trigger_index_pinned", default=None)


def flows_stamp_bump() -> None:
    """A new token, in the caller's transaction (which changes flows)."""
    token = uuid.uuid4()
    if FlowsStamp.objects.filter(pk=STAMP_ID).update(token=token):
        return
    try:
        with transaction.atomic():
            FlowsStamp.objects.create(pk=STAMP_ID, token=token)
    except IntegrityError:  # another transaction created it first
        FlowsStamp.objects.filter(pk=STAMP_ID).update(token=token)


def current() -> TriggerIndex:
    """The index for the flows as committed now (one read of the stamp), or as pinned."""
    pinned = _pinned.get()
    if pinned is not None and "index" in pinned:
        return pinned["index"]
    global _index
    token = FlowsStamp.objects.filter(pk=STAMP_ID).values_list("token", flat=True).first()
    index = _index
    # No stamp row (a database no service has written flows to): nothing is cached.
    if index is None or token is None or index.token != token:
        index = _build(token)
        if token is not None:
            _index = index
    if pinned is not None:
        pinned["index"] = index
    return index


@contextmanager
def pinned() -> Iterator[None]:
    """Read the index at most once in this block (a dispatch task: a batch of events)."""
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


def _build(token: uuid.UUID | None) -> TriggerIndex:
    by_event: dict[str, list[Flow]] = {}
    flows = Flow.objects.filter(
        enabled=True, trigger_kind=TriggerKind.EVENT, published_version__isnull=False
    ).select_related("published_version")
    for flow in flows:
        by_event.setdefault(flow.trigger_event, []).append(flow)
    waitable: set[str] = set()
    for document in FlowVersion.objects.values_list("document", flat=True).iterator():
        waitable.update(_waited_for(document))
    return TriggerIndex(token=token, by_event=by_event, waitable=frozenset(waitable))


def _waited_for(node) -> Iterator[str]:
    """The event types of every ``wait_for`` in a document, however deep in branches."""
    if isinstance(node, dict):
        spec = node.get("wait_for")
        if isinstance(spec, dict) and isinstance(spec.get("event"), str):
            yield spec["event"]
        for value in node.values():
            yield from _waited_for(value)
    elif isinstance(node, list):
        for value in node:
            yield from _waited_for(value)
