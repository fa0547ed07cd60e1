"""The run's own lifecycle events (flow_run.*), emitted with the run as actor by default."""

from soloops import correlation
from soloops.accounts.actors import Actor
from soloops.automation.models import FlowRun

from .state import run_actor


def run_event(
    run: FlowRun, type: str, payload: dict, *, actor: Actor | None = None, flow: bool = False
):
    """``type`` about ``run`` as an ``EventSpec``, with the correlation id in force now;
    ``flow`` puts the flow's key first in the payload. ``RunState.emit`` keeps it for one
    insert of the events of the runs flushed together."""
    # Imported here: the services package imports the engine, so the engine may be imported
    # first (by the dry run) and must not import the services package while it loads.
    from soloops.events.services import EventSpec

    return EventSpec(
        type=type,
        subject=run,
        payload={"flow": run.flow.key, **payload} if flow else payload,
        actor=actor or run_actor(run),
        correlation_id=correlation.current(),
    )


def emit_run_event(
    run: FlowRun, type: str, payload: dict, *, actor: Actor | None = None, flow: bool = False
) -> None:
    """Record ``type`` about ``run`` now (``run_event`` says what it records)."""
    from soloops.events.services import events_emit

    spec = run_event(run, type, payload, actor=actor, flow=flow)
    events_emit(specs=[spec], actor=spec.actor)
