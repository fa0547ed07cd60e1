"""A run's state while a worker holds it: the locked run row, its document and its step
rows (read once per stretch), with the writes the stretch makes kept here and written once at
its end — one update of the run, new step rows in one insert, its lifecycle events (completed,
failed) in one insert with those of the other runs flushed together.

Nothing is hung on the model instances: everything the engine knows about a run in a stretch
is in a ``RunState``.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from pydantic import ValidationError

from soloops.accounts.actors import Actor, ActorKind
from soloops.automation.flows import context as flow_context
from soloops.automation.flows import document as doc
from soloops.automation.models import FlowRun, RunStatus, StepRun, StepStatus
from soloops.errors import ApplicationError

# A run a worker may advance: it goes through its steps, or undoes them after a cancel.
ACTIVE = (RunStatus.RUNNING, RunStatus.CANCELLING)
# The key of the row of the step at ``key``'s compensation: "2/compensate".
COMPENSATE = "compensate"


def compensation_key(key: str) -> str:
    return f"{key}/{COMPENSATE}"


def is_compensation(key: str) -> bool:
    return key.endswith(f"/{COMPENSATE}")


def compensated_key(key: str) -> str:
    """The key of the step a compensation row undoes."""
    return key.removesuffix(f"/{COMPENSATE}")


def stalled_after() -> timedelta:
    """A running run whose row has not changed for this long is handed out again by the
    scheduler (its worker died). Longer than any outside call may take; the setting
    ``SOLOOPS_RUN_STALLED_AFTER`` (seconds, default 120) lets tests use a short one."""
    return timedelta(seconds=settings.RUN_STALLED_AFTER_SECONDS)


def run_actor(run: FlowRun) -> Actor:
    return Actor(
        kind=ActorKind.FLOW_RUN,
        id=str(run.pk),
        label=f"{run.flow.name} · run {run.pk}",
        role="owner",
        scopes=frozenset({"read", "write"}),
    )


def idempotency_key(run: FlowRun, key: str, suffix: str = "") -> str:
    """Stable across retries and restarts of the step. The run's start time is part of it
    because run ids alone repeat after a database is restored from a backup, and a receiver
    that remembers keys (a payment provider) would then drop a new call as a duplicate."""
    return f"run-{run.pk}-{int(run.created_at.timestamp())}-step-{key}{suffix}"


def jsonable(value):
    """As stored in a JSON column: a Decimal from the context (``{{ order.total }}``) becomes
    its exact text rather than failing the save."""
    return json.loads(json.dumps(value, default=str))


class ErrorText(str):
    """An error's English sentence (what the API, events and logs show) that also carries
    its ``detail``: {code, params, field}. The run and step rows keep the detail beside the
    sentence, so the console says the error in the reader's language."""

    detail: dict

    def __new__(cls, text: str, detail: dict) -> "ErrorText":
        made = super().__new__(cls, text)
        made.detail = detail
        return made


def _plain(params: dict) -> dict:
    return {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool))}


def describe_error(e: Exception) -> str:
    if isinstance(e, ApplicationError):
        text = f"{e.code}: {e.message}" + (f" ({e.field})" if e.field else "")
        return ErrorText(text, {"code": str(e.code), "params": _plain(e.extra), "field": e.field})
    if isinstance(e, ValidationError):
        problems = [".".join(str(p) for p in err["loc"]) + f": {err['msg']}" for err in e.errors()]
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in e.errors())
        return ErrorText(
            "; ".join(problems), {"code": "invalid_input", "params": {"fields": fields}}
        )
    return describe_exception(e)


def describe_exception(e: Exception) -> str:
    """A fault that is no business refusal (network, database): its type and text."""
    return ErrorText(
        f"{type(e).__name__}: {e}",
        {"code": "fault", "params": {"type": type(e).__name__, "text": str(e)[:500]}},
    )


def error_detail(error: str) -> dict:
    """What a run or step row keeps beside its error sentence (``{}`` without an error)."""
    if not error:
        return {}
    return {**getattr(error, "detail", {}), "message": str(error)}


def step_rows_of(runs: list[FlowRun]) -> dict[int, dict[str, StepRun]]:
    """The step rows of several runs, by run id and key, in one read."""
    rows: dict[int, dict[str, StepRun]] = {run.pk: {} for run in runs}
    for row in StepRun.objects.filter(run__in=runs):
        rows[row.run_id][row.key] = row
    return rows


@dataclass
class RunState:
    """A locked run in a stretch. ``rows`` are its step rows by key; ``dirty`` the run's
    fields changed and not yet saved; ``new``/``changed`` the step rows to insert/update;
    ``events`` the run's lifecycle events (``EventSpec``) to record."""

    run: FlowRun
    rows: dict[str, StepRun]
    dirty: set[str] = field(default_factory=set)
    new: list[StepRun] = field(default_factory=list)
    changed: list[StepRun] = field(default_factory=list)
    events: list = field(default_factory=list)

    @classmethod
    def load(cls, run: FlowRun) -> "RunState":
        return cls(run=run, rows={row.key: row for row in StepRun.objects.filter(run=run)})

    @property
    def document(self) -> dict:
        return self.run.version.document

    @property
    def row(self) -> StepRun | None:
        """The row of the step under the cursor, if it ran before."""
        return self.rows.get(self.run.cursor)

    def set(self, **fields) -> None:
        """Change the run; saved by ``flush`` with its other changes."""
        if "error" in fields:
            fields["error_detail"] = error_detail(fields["error"])
            fields["error"] = str(fields["error"])  # a plain str for the database driver
        for name, value in fields.items():
            setattr(self.run, name, value)
        self.dirty.update(fields)

    def record(
        self, kind, status, *, action="", input=None, output=None, error="", attempts=0
    ) -> StepRun:
        """Write the cursor's step row (created on its first run)."""
        now = timezone.now()
        row = self.row
        if row is None:
            row = StepRun(run=self.run, key=self.run.cursor, kind=kind, action=action)
            row.started_at = now
            self.rows[row.key] = row
            self.new.append(row)
        else:
            self.touch(row)
        row.status = status
        row.attempts += attempts
        if input is not None:
            row.input = input
        if output is not None:
            row.output = output
        row.error = str(error)
        row.error_detail = error_detail(error)
        if status in (StepStatus.DONE, StepStatus.FAILED):
            row.finished_at = now
        return row

    def emit(self, spec) -> None:
        """Record the event ``spec`` (``engine.events.run_event``); written by ``flush``."""
        self.events.append(spec)

    def touch(self, row: StepRun) -> None:
        """``row`` (not under the cursor) was changed; saved by ``flush``."""
        if row not in self.changed and row not in self.new:
            self.changed.append(row)

    def flush(self) -> None:
        """Write what the stretch changed: new step rows in one insert, the run in one update."""
        RunState.flush_all([self])

    @staticmethod
    def flush_all(states: list["RunState"]) -> None:
        """``flush`` for several runs: the new step rows of them all in one insert, and their
        events in one insert (after every event their steps emitted)."""
        from soloops.events.services import events_emit  # as in ``engine.events``

        events = [spec for state in states for spec in state.events]
        if events:
            events_emit(specs=events, actor=events[0].actor)
            for state in states:
                state.events = []
        new = [row for state in states for row in state.new]
        if new:
            now = timezone.now()
            for row in new:
                row.created_at = row.updated_at = now
            StepRun.objects.bulk_create(new)
        for state in states:
            state.new = []
            for row in state.changed:
                row.save()
            state.changed = []
            if state.dirty:
                # One update per run: bulk_update's CASE per field measured five times slower.
                state.run.save(update_fields=[*sorted(state.dirty), "updated_at"])
                state.dirty = set()

    def context(self) -> dict:
        """What expressions and templates see: trigger, event, run, flow and step outputs."""
        run = self.run
        ctx = flow_context.for_event(run.trigger_event, run.trigger)
        ctx["run"] = {"id": run.pk, "depth": run.depth}
        ctx["flow"] = {"key": run.flow.key, "name": run.flow.name, "version": run.version.number}
        outputs = {}
        for key, row in self.rows.items():
            step_id = self.step_id(key)
            if step_id:
                outputs[step_id] = row.output
        ctx["steps"] = outputs
        return ctx

    def step_id(self, key: str) -> str | None:
        if is_compensation(key):
            return None
        try:
            return doc.get_step(self.document, doc.parse_step_key(key)).get("id")
        except (IndexError, KeyError, TypeError):
            return None
