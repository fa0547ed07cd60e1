"""The run's own lifecycle events (flow_run.*), emitted with the run as actor by default."""

from soloops.accounts.actors import Actor
from soloops.automation.models import FlowRun

from .state import run_actor


def emit_run_event(
    run: FlowRun, type: str, payload: dict, *, actor: Actor | None = None, flow: bool = False
) -> None:
    """Record ``type`` about ``run``; ``flow`` puts the flow's key first in the payload."""
    # Imported here: the services package imports the engine, so the engine may be imported
    # first (by the dry run) and must not import the services package while it loads.
    from soloops.events.services import event_emit

    event_emit(
        type=type,
        subject=run,
        payload={"flow": run.flow.key, **payload} if flow else payload,
        actor=actor or run_actor(run),
    )
