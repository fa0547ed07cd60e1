"""Probe flow actions: steps whose effects and calls a test can count, that fail on purpose
or block until the test releases them (so a test can kill the worker in the middle).

Calls are counted in files under ``PROBE_DIR``, outside the database, so a count survives the
rollback of the step's transaction and the death of the worker.

- ``probe.effect`` (outside): records an ``Effect`` under the step's idempotency key in its
  own transaction, as a remote receiver would; a second call with the same key adds nothing.
- ``probe.write`` (inside): records a ``Hit`` in the step's transaction; a second commit of
  the same step would show as a second ``Hit``.
- ``probe.emit``: emits an event of the given type, with the run as actor.

``fail_times``: the first N calls of the step raise (``fail`` says before or after the
effect). ``hold``: the call writes ``held-<run>-<name>`` and blocks, before or after the
effect, until ``release-<run>-<name>`` exists.
"""

import time
from pathlib import Path
from typing import Literal

from django.conf import settings
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.events.services import event_emit
from tests.probe.models import Effect, Hit


class ProbeIn(BaseModel):
    name: str = Field(max_length=40)
    fail_times: int = Field(0, ge=0)
    fail: Literal["before", "after"] = "before"
    hold: Literal["", "before", "after"] = ""


class EmitIn(BaseModel):
    type: str
    payload: dict = {}


def probe_file(kind: str, run_id, name: str) -> Path:
    path = Path(settings.PROBE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path / f"{kind}-{run_id}-{name}"


def append_line(path: Path) -> int:
    """Append a line; return how many lines the file has now."""
    with open(path, "a") as f:
        f.write("x\n")
    return len(path.read_text().splitlines())


def _hold(data: ProbeIn, call: ActionCall, phase: str) -> None:
    if data.hold != phase:
        return
    release = probe_file("release", call.run_id, data.name)
    if release.exists():
        return
    append_line(probe_file("held", call.run_id, data.name))
    deadline = time.monotonic() + 60
    while not release.exists():  # waits for the test, not for time to pass
        if time.monotonic() > deadline:
            raise TimeoutError("probe step was never released")
        time.sleep(0.05)


def _act(data: ProbeIn, call: ActionCall, effect) -> dict:
    n = append_line(probe_file("calls", call.run_id, data.name))
    _hold(data, call, "before")
    if data.fail == "before" and n <= data.fail_times:
        raise RuntimeError(f"probe {data.name} fails on purpose (call {n})")
    effect()
    _hold(data, call, "after")
    if data.fail == "after" and n <= data.fail_times:
        raise RuntimeError(f"probe {data.name} fails on purpose after its effect (call {n})")
    return {"name": data.name, "call": n}


def _effect(data: ProbeIn, call: ActionCall) -> dict:
    return _act(
        data,
        call,
        lambda: Effect.objects.get_or_create(
            key=call.idempotency_key, defaults={"name": data.name, "run_id": call.run_id}
        ),
    )


def _write(data: ProbeIn, call: ActionCall) -> dict:
    return _act(
        data, call, lambda: Hit.objects.create(event_id=call.run_id, handler=f"write {data.name}")
    )


def _emit(data: EmitIn, call: ActionCall) -> dict:
    event = event_emit(
        type=data.type, subject=("probe.thing", call.run_id), payload=data.payload, actor=call.actor
    )
    return {"event": event.pk}


ACTIONS = [
    Action(
        name="probe.effect",
        description="Record an outside effect under the step's idempotency key.",
        input=ProbeIn,
        run=_effect,
        describe=lambda data, call: f"record outside effect {data.name}",
        outside=True,
    ),
    Action(
        name="probe.write",
        description="Record a row in the step's transaction.",
        input=ProbeIn,
        run=_write,
        describe=lambda data, call: f"write {data.name}",
    ),
    Action(
        name="probe.emit",
        description="Emit an event with the run as its actor.",
        input=EmitIn,
        run=_emit,
        describe=lambda data, call: f"emit {data.type}",
    ),
]
