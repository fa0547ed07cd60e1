"""What a step asks for, and the one place that applies it to the run.

A step kind returns an outcome; ``apply`` turns it into the run's new fields (kept in the
``RunState`` and saved once per stretch) and the run's lifecycle events.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from soloops.actions import Action, ActionCall
from soloops.automation.flows import document as doc
from soloops.automation.models import RunStatus, StepStatus

from .events import run_event
from .state import RunState, is_compensation

DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = "10s"
DEFAULT_MAX_BACKOFF = "1h"


@dataclass(frozen=True)
class Next:
    """The step is done: go on with the step at ``path`` (None: none is left)."""

    path: tuple | None


@dataclass(frozen=True)
class Wait:
    """Hold the run until ``until`` (a timer, a timeout) or, with ``event``, an event."""

    until: datetime | None
    status: str = RunStatus.WAITING
    event: str = ""
    where: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CallOutside:
    """Commit what the stretch did, then call ``action`` outside any transaction."""

    action: Action
    parsed: Any
    call: ActionCall
    key: str


@dataclass(frozen=True)
class Fail:
    """The step failed; ``permanent`` when retrying the same cannot help."""

    error: str
    permanent: bool


@dataclass(frozen=True)
class Finish:
    """No step is left: the run is completed."""


@dataclass(frozen=True)
class Settled:
    """The step's question was answered elsewhere (``services.approvals``): the run is
    completed without its remaining steps, which would have acted on the answer again."""


Outcome = Next | Wait | CallOutside | Fail | Finish | Settled


def apply(state: RunState, step: dict | None, outcome: Outcome) -> CallOutside | None:
    """Apply ``outcome`` of the cursor's step to the run; the outside call to make, if any."""
    match outcome:
        case Next(path):
            move(state, path)
        case Wait(until, status, event, where):
            state.set(status=status, wake_at=until, wait_event=event, wait_where=where)
        case CallOutside():
            return outcome
        case Fail(error, permanent):
            fail(state, step or {}, error, permanent=permanent)
        case Finish():
            finish(state)
        case Settled():
            state.set(
                status=RunStatus.COMPLETED,
                cursor="",
                finished_at=timezone.now(),
                wake_at=None,
                error="",
            )
    return None


def move(state: RunState, path: tuple | None, status: str = RunStatus.RUNNING) -> None:
    state.set(
        cursor=doc.step_key(path) if path is not None else "",
        status=status,
        wake_at=None,
        wait_event="",
        wait_where={},
    )


def backoff(step: dict, attempts: int) -> timedelta:
    policy = step.get("retry", {})
    base = doc.parse_duration(policy.get("backoff", DEFAULT_BACKOFF))
    cap = doc.parse_duration(policy.get("max_backoff", DEFAULT_MAX_BACKOFF))
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.5, 1.0)  # jitter: retries of many runs spread out


def fail(state: RunState, step: dict, error: str, *, permanent: bool) -> None:
    """A step failed: retry later if it may, else the run goes to the failed inbox."""
    run, row = state.run, state.row
    attempts = row.attempts if row is not None else 1
    allowed = step.get("retry", {}).get("attempts", DEFAULT_ATTEMPTS)
    if not permanent and attempts < allowed:
        state.set(
            status=RunStatus.WAITING, wake_at=timezone.now() + backoff(step, attempts), error=error
        )
        return
    kind = "compensate" if is_compensation(run.cursor) else doc.step_kind(step) or "do"
    state.record(
        kind,
        StepStatus.FAILED,
        action=step.get("do", ""),
        error=error,
        attempts=0 if row else 1,
    )
    state.set(status=RunStatus.FAILED, error=error, wake_at=None)
    state.emit(
        run_event(run, "flow_run.failed", {"step": run.cursor, "error": error[:500]}, flow=True)
    )


def finish(state: RunState) -> None:
    run = state.run
    state.set(status=RunStatus.COMPLETED, finished_at=timezone.now(), error="")
    state.emit(run_event(run, "flow_run.completed", {"version": run.version.number}, flow=True))
