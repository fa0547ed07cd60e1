"""The flow engine: start runs, execute their steps durably, wait, resume, retry, decide.

Each step's row, the action's own writes and the run's new position commit together, so a
worker killed at any point resumes where the last commit left it and no internal action runs
twice. Consecutive internal steps share one transaction, each action in a savepoint of its
own (a failing action rolls back alone): one commit per stretch of internal steps.
Actions marked ``outside`` (HTTP) are called between two transactions with the step's
idempotency key; a crash in between calls them again with the same key, which the receiving
side uses to act once.
"""

import json
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from soloops import correlation
from soloops.accounts.actors import Actor, ActorKind
from soloops.automation.flows import context as flow_context
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.flows.actions import ActionCall, available
from soloops.automation.models import (
    Event,
    Flow,
    FlowRun,
    RunStatus,
    StepRun,
    StepStatus,
    TriggerKind,
)
from soloops.errors import ApplicationError, Conflict, PermissionDenied

from .approvals import approval_settle_if_decided
from .events import event_emit

logger = logging.getLogger(__name__)

MAX_DEPTH = 5
STEPS_PER_TASK = 50
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = "10s"
DEFAULT_MAX_BACKOFF = "1h"
# How many events of the awaited type a wait_for looks back over (see _wait_for).
LOOKBACK_EVENTS = 1000


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


# Set by ``runs_advanced_here``: the runs to advance once the block ends.
_advance_here: ContextVar[list[int] | None] = ContextVar("advance_here", default=None)
# How many of them the block's own process advances; the rest go to the queue in tasks of
# ADVANCE_BATCH runs, so a big batch of events still spreads its runs over all workers.
INLINE_RUNS = 5
ADVANCE_BATCH = 10


@contextmanager
def runs_advanced_here() -> Iterator[None]:
    """Runs started (or resumed) in this block, once committed, are advanced right after it:
    the first INLINE_RUNS by this process, the others by tasks of ADVANCE_BATCH runs each,
    instead of one task per run. The dispatch task uses it, so a run its event starts usually
    costs no task of its own. If this process dies before it gets to them, the scheduler
    hands them out as stalled runs."""
    runs: list[int] = []
    token = _advance_here.set(runs)
    try:
        yield
    except BaseException:
        _advance_here.reset(token)
        _enqueue_advance_batches(runs)
        raise
    _advance_here.reset(token)
    _enqueue_advance_batches(runs[INLINE_RUNS:])
    flow_runs_advance(run_ids=runs[:INLINE_RUNS])


def flow_runs_advance(*, run_ids: list[int]) -> None:
    """Advance each run in turn; one that raises is logged and left to the scheduler (it is
    still running, so it is handed out again once it has stalled)."""
    for run_id in run_ids:
        try:
            flow_run_advance(run_id=run_id)
        except Exception:
            logger.exception("run %s failed to advance; the scheduler will hand it out", run_id)


def _enqueue_advance_batches(run_ids: list[int]) -> None:
    from soloops.automation.tasks import advance_runs

    for start in range(0, len(run_ids), ADVANCE_BATCH):
        batch = run_ids[start : start + ADVANCE_BATCH]
        try:
            advance_runs.enqueue(run_ids=batch)
        except Exception:
            logger.exception("could not enqueue runs %s; the scheduler will pick them up", batch)


def _enqueue_advance(run_id: int) -> None:
    from soloops.automation.tasks import advance_run

    here = _advance_here.get()
    if here is not None:
        here.append(run_id)
        return
    try:
        advance_run.enqueue(run_id=run_id)
    except Exception:
        logger.exception("could not enqueue run %s; the scheduler will pick it up", run_id)


def _matches(where: dict, event: Event) -> bool:
    """Every key of ``where`` equals the event's payload value (or subject_id / type)."""
    fields = {**event.payload, "subject_id": event.subject_id, "subject_type": event.subject_type}
    return all(str(fields.get(key)) == str(value) for key, value in where.items())


# --- starting runs --------------------------------------------------------------------------


def flow_run_start(
    *,
    flow: Flow,
    trigger: dict,
    actor: Actor,
    trigger_event: Event | None = None,
    depth: int = 0,
) -> FlowRun:
    """Start a run on the flow's published version. Precondition: inside a transaction."""
    version = flow.published_version
    if version is None:
        raise Conflict("flow_not_published", f"flow {flow.key} has no published version")
    # The id of what started the run (the trigger event's, the request's): every event its
    # steps emit later, in other tasks, carries it too, so the timeline ties them together.
    with correlation.scope(correlation.current()) as correlation_id:
        run = FlowRun.objects.create(
            flow=flow,
            version=version,
            trigger={**trigger, "correlation_id": str(correlation_id)},
            trigger_event=trigger_event,
            depth=depth,
            cursor="0",
        )
        if depth > MAX_DEPTH:
            # Visible in the failed inbox, cursor still on the first step: an owner who
            # judges it is not a loop retries it and it runs from the start.
            run.status = RunStatus.FAILED
            run.error = f"not started: runs causing runs went deeper than {MAX_DEPTH} (a loop?)"
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at", "updated_at"])
            event_emit(
                type="flow_run.failed",
                subject=run,
                payload={"flow": flow.key, "error": run.error},
                actor=actor,
            )
            return run
        event_emit(
            type="flow_run.started",
            subject=run,
            payload={"flow": flow.key, "version": version.number, "depth": depth},
            actor=actor,
        )
    transaction.on_commit(lambda: _enqueue_advance(run.pk))
    return run


def flows_on_event(event: Event) -> None:
    """Event handler for every type: start the flows it triggers, resume runs waiting for it.

    Runs inside the event's delivery transaction, so this happens once per event.
    """
    if event.type.startswith(flows_on_event.ignores):
        return
    _start_triggered(event)
    _resume_waiting(event)


# A run's own lifecycle never triggers or resumes runs. Saying so to the registry means a
# flow_run.* event that no app handles is not dispatched at all: each run emits two of them
# (started, completed), and their dispatch tasks were half the tasks a run cost.
flows_on_event.ignores = ("flow_run.",)


def _start_triggered(event: Event) -> None:
    flows = Flow.objects.filter(
        enabled=True,
        trigger_kind=TriggerKind.EVENT,
        trigger_event=event.type,
        published_version__isnull=False,
    ).select_related("published_version")
    parent_depth = None
    for flow in flows:
        document = flow.published_version.document
        if not _matches(document["trigger"].get("where", {}), event):
            continue
        trigger = {"event": flow_context.event_dict(event)}
        if "if" in document:
            try:
                wanted = expressions.evaluate(
                    document["if"], flow_context.for_event(event, trigger)
                )
            except expressions.ExpressionError as e:
                logger.warning("flow %s: condition failed on event %s: %s", flow.key, event.pk, e)
                wanted = False
            if not wanted:
                continue
        if parent_depth is None:
            parent_depth = _depth_of(event)
        with transaction.atomic():
            if FlowRun.objects.filter(flow=flow, trigger_event=event).exists():
                continue
            flow_run_start(
                flow=flow,
                trigger=trigger,
                trigger_event=event,
                depth=parent_depth + 1 if parent_depth >= 0 else 0,
                actor=Actor.system(f"flow {flow.key}"),
            )


def _depth_of(event: Event) -> int:
    """The depth of the run whose action emitted this event, or -1 if no run did."""
    if event.actor_kind != ActorKind.FLOW_RUN:
        return -1
    parent = FlowRun.objects.filter(pk=event.actor_id).values_list("depth", flat=True).first()
    return parent if parent is not None else -1


def _resume_waiting(event: Event) -> None:
    waiting = (
        FlowRun.objects.select_for_update(of=("self",))
        .select_related("version")
        .filter(status=RunStatus.WAITING, wait_event=event.type)
    )
    for run in waiting:
        if not _matches(run.wait_where, event):
            continue
        StepRun.objects.filter(run=run, key=run.cursor).update(
            status=StepStatus.DONE,
            output={"event": flow_context.event_dict(event)},
            finished_at=timezone.now(),
        )
        path = doc.parse_step_key(run.cursor)
        _move(run, doc.next_after(run.version.document, path))
        transaction.on_commit(lambda run_id=run.pk: _enqueue_advance(run_id))


def flow_start_scheduled(*, slot: str, flow_id: int) -> None:
    """Called by the scheduler (through ``schedule.fired``) for flows with a cron trigger."""
    flow = Flow.objects.select_related("published_version").filter(pk=flow_id).first()
    if flow is None or not flow.enabled or flow.published_version is None:
        return
    if "schedule" not in flow.published_version.document["trigger"]:
        return  # a slot fired just before a version with another trigger was published
    flow_run_start(
        flow=flow,
        trigger={"schedule": flow.published_version.document["trigger"]["schedule"], "slot": slot},
        actor=Actor.system("scheduler"),
    )


def flow_run_start_manual(*, flow: Flow, inputs: dict, actor: Actor) -> FlowRun:
    if not flow.enabled:
        # Switched off means off: a webhook, a schedule or a click must not start it either.
        raise Conflict("flow_disabled", f"flow {flow.key} is switched off", field="enabled")
    if flow.trigger_kind not in (TriggerKind.MANUAL, TriggerKind.WEBHOOK) and not actor.is_owner:
        raise Conflict("not_manual", "only the owner may start an event or schedule flow by hand")
    with transaction.atomic():
        return flow_run_start(flow=flow, trigger={"manual": inputs, "by": actor.label}, actor=actor)


# --- advancing ------------------------------------------------------------------------------


def _move(run: FlowRun, path: tuple | None, status: str = RunStatus.RUNNING) -> None:
    run.cursor = doc.step_key(path) if path is not None else ""
    run.status = status
    run.wake_at = None
    run.wait_event = ""
    run.wait_where = {}
    run.save(
        update_fields=["cursor", "status", "wake_at", "wait_event", "wait_where", "updated_at"]
    )


def _context(run: FlowRun) -> dict:
    event = run.trigger_event
    ctx = flow_context.for_event(event, run.trigger)
    ctx["run"] = {"id": run.pk, "depth": run.depth}
    ctx["flow"] = {"key": run.flow.key, "name": run.flow.name, "version": run.version.number}
    outputs = {}
    rows = getattr(run, "_step_rows", None)  # read once per stretch (see _advance_stretch)
    if rows is not None:
        pairs = [(key, row.output) for key, row in rows.items()]
    else:
        pairs = StepRun.objects.filter(run=run).values_list("key", "output")
    for key, output in pairs:
        step_id = _step_id(run, key)
        if step_id:
            outputs[step_id] = output
    ctx["steps"] = outputs
    return ctx


def _step_id(run: FlowRun, key: str) -> str | None:
    try:
        return doc.get_step(run.version.document, doc.parse_step_key(key)).get("id")
    except (IndexError, KeyError, TypeError):
        return None


def flow_run_advance(*, run_id: int) -> str:
    """Run steps until the run waits, finishes or fails; returns the run's status."""
    trigger = FlowRun.objects.filter(pk=run_id).values_list("trigger", flat=True).first() or {}
    with correlation.scope(trigger.get("correlation_id")):
        status, steps = RunStatus.RUNNING, 0
        while steps < STEPS_PER_TASK:
            status, outside, done = _advance_stretch(run_id, STEPS_PER_TASK - steps)
            steps += done
            if outside is not None:
                status = _call_outside(run_id, *outside)
            if status != RunStatus.RUNNING:
                return status
    transaction.on_commit(lambda: _enqueue_advance(run_id))  # a long flow: continue later
    return status


def _advance_stretch(run_id: int, budget: int):
    """Internal steps in one transaction, up to ``budget`` of them or to the first step that
    waits, fails, finishes or calls outside. The run is locked and its step rows read once;
    an exception none of the steps handles rolls the whole stretch back."""
    with transaction.atomic():
        # of=self: lock the run only. Without it PostgreSQL refuses the query (FOR UPDATE
        # cannot apply to the nullable side of the outer join to trigger_event), and it
        # would also lock the flow's row, so every run of a flow would queue behind the others.
        run = (
            FlowRun.objects.select_for_update(of=("self",))
            .select_related("flow", "version", "trigger_event")
            .get(pk=run_id)
        )
        run._step_rows = {row.key: row for row in StepRun.objects.filter(run=run)}
        done = 0
        while True:
            status, outside = _advance_one(run)
            done += 1
            if outside is not None or status != RunStatus.RUNNING or done >= budget:
                return status, outside, done


def _advance_one(run: FlowRun):
    """One step of a locked run, inside the stretch's transaction."""
    if run.status != RunStatus.RUNNING:
        return run.status, None
    if not run.cursor:
        return _finish(run), None
    path = doc.parse_step_key(run.cursor)
    document = run.version.document
    step = doc.get_step(document, path)
    kind = doc.step_kind(step)
    row = run._step_rows.get(run.cursor)
    try:
        ctx = _context(run)
        if kind == "if":
            result = bool(expressions.evaluate(step["if"], ctx))
            _record(run, row, kind, StepStatus.DONE, output={"result": result})
            branch = "then" if result else "else"
            _move(run, doc.first_of(document, path, branch))
            return run.status, None
        if kind == "wait":
            return _wait(run, row, path, document, step), None
        if kind == "wait_for":
            return _wait_for(run, row, path, document, step, ctx), None
        if kind == "approve":
            return _approve(run, row, path, document, step), None
        return _do(run, row, path, document, step, ctx)
    except (expressions.ExpressionError, ValidationError, ApplicationError) as e:
        # The document or the business said no: retrying the same thing cannot help.
        return _fail(run, row, step, _describe_error(e), permanent=True), None


def _describe_error(e: Exception) -> str:
    if isinstance(e, ApplicationError):
        return f"{e.code}: {e.message}" + (f" ({e.field})" if e.field else "")
    if isinstance(e, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
    return str(e)


def _record(run, row, kind, status, *, action="", input=None, output=None, error="", attempts=0):
    now = timezone.now()
    if row is None:
        row = StepRun(run=run, key=run.cursor, kind=kind, action=action, started_at=now)
    row.status = status
    row.attempts += attempts
    if input is not None:
        row.input = input
    if output is not None:
        row.output = output
    row.error = error
    if status in (StepStatus.DONE, StepStatus.FAILED):
        row.finished_at = now
    row.save()
    if hasattr(run, "_step_rows"):
        run._step_rows[row.key] = row
    return row


def _wait(run, row, path, document, step) -> str:
    if row is not None and row.status == StepStatus.WAITING:
        # Only flow_runs_wake_due turns a waiting run back to running, once its wake_at has
        # come by the scheduler's clock; checking again against this worker's clock would
        # put it back to sleep whenever the two clocks disagree (and made the scheduler's
        # ``now`` meaningless to a caller).
        _record(run, row, "wait", StepStatus.DONE)
        _move(run, doc.next_after(document, path))
        return run.status
    until = timezone.now() + doc.parse_duration(step["wait"])
    _record(run, row, "wait", StepStatus.WAITING, output={"until": until.isoformat()})
    run.status, run.wake_at = RunStatus.WAITING, until
    run.save(update_fields=["status", "wake_at", "updated_at"])
    return run.status


def _wait_for(run, row, path, document, step, ctx) -> str:
    spec = step["wait_for"]
    if row is not None and row.status == StepStatus.WAITING:
        # Woken by the clock, not by an event: the wait timed out.
        _record(run, row, "wait_for", StepStatus.DONE, output={"timed_out": True})
        _move(run, doc.first_of(document, path, "on_timeout"))
        return run.status
    where = expressions.render(spec.get("where", {}), ctx)
    early = _awaited_event_since_start(run, spec["event"], where)
    if early is not None:
        _record(
            run,
            row,
            "wait_for",
            StepStatus.DONE,
            input=_jsonable({"event": spec["event"], "where": where}),
            output={"event": flow_context.event_dict(early)},
        )
        _move(run, doc.next_after(document, path))
        return run.status
    until = timezone.now() + doc.parse_duration(spec["timeout"])
    _record(
        run,
        row,
        "wait_for",
        StepStatus.WAITING,
        input=_jsonable({"event": spec["event"], "where": where, "until": until.isoformat()}),
    )
    run.status, run.wake_at = RunStatus.WAITING, until
    run.wait_event, run.wait_where = spec["event"], _jsonable(where)
    run.save(update_fields=["status", "wake_at", "wait_event", "wait_where", "updated_at"])
    return run.status


def _awaited_event_since_start(run: FlowRun, event_type: str, where: dict) -> Event | None:
    """A matching event that happened after the run started but before it reached this
    wait_for. Without this look back, an event that came while the run was still on an
    earlier step (the owner accepted the held order before the worker got to the wait, the
    payment arrived during a ``wait: 1h``) was missed and the run timed out instead. An event
    an earlier wait_for of this run already consumed does not count twice."""
    consumed = {
        output["event"]["id"]
        for output in StepRun.objects.filter(run=run, kind="wait_for").values_list(
            "output", flat=True
        )
        if isinstance(output, dict) and isinstance(output.get("event"), dict)
    }
    candidates = Event.objects.filter(type=event_type, created_at__gte=run.created_at).order_by(
        "id"
    )[:LOOKBACK_EVENTS]
    for event in candidates:
        if event.pk not in consumed and _matches(where, event):
            return event
    return None


def _approve(run, row, path, document, step) -> str:
    if row is not None and row.status == StepStatus.WAITING:
        if approval_settle_if_decided(run=run):
            return run.status  # decided elsewhere meanwhile: nothing to time out
        # Woken by the clock: nobody decided in time, which counts as a rejection.
        _record(run, row, "approve", StepStatus.DONE, output={"approved": False, "timed_out": True})
        _move(run, doc.first_of(document, path, "on_reject"))
        return run.status
    spec = step["approve"]
    message = str(expressions.render(spec["message"], _context(run)))
    _record(run, row, "approve", StepStatus.WAITING, input={"message": message})
    run.status = RunStatus.AWAITING_APPROVAL
    run.wake_at = (
        timezone.now() + doc.parse_duration(spec["timeout"]) if "timeout" in spec else None
    )
    run.save(update_fields=["status", "wake_at", "updated_at"])
    event_emit(
        type="flow_run.awaiting_approval",
        subject=run,
        payload={"flow": run.flow.key, "message": message},
        actor=run_actor(run),
    )
    return run.status


def idempotency_key(run: FlowRun, key: str, suffix: str = "") -> str:
    """Stable across retries and restarts of the step. The run's start time is part of it
    because run ids alone repeat after a database is restored from a backup, and a receiver
    that remembers keys (a payment provider) would then drop a new call as a duplicate."""
    return f"run-{run.pk}-{int(run.created_at.timestamp())}-step-{key}{suffix}"


def _do(run, row, path, document, step, ctx):
    action = available().get(step["do"])
    if action is None:
        raise Conflict("unknown_action", f"unknown action {step['do']!r}")
    inputs = expressions.render(step.get("with", {}), ctx)
    try:
        parsed = action.parse(inputs)
    except ValidationError as e:
        row = _record(
            run,
            row,
            "do",
            StepStatus.FAILED,
            action=action.name,
            input=_jsonable(inputs),
            attempts=1,
            error=_describe_error(e),
        )
        return _fail(run, row, step, row.error, permanent=True), None
    call = ActionCall(
        idempotency_key=idempotency_key(run, run.cursor),
        actor=run_actor(run),
        context=ctx,
        run_id=run.pk,
    )
    if action.outside:
        # Record the attempt, commit, then call the outside world (see module docstring).
        _record(
            run,
            row,
            "do",
            StepStatus.RUNNING,
            action=action.name,
            input=_jsonable(inputs),
            attempts=1,
        )
        return run.status, (action, parsed, call, run.cursor)
    try:
        with transaction.atomic():
            output = action.run(parsed, call) or {}
    except ApplicationError as e:  # the business refused: retrying the same cannot help
        row = _record(
            run,
            row,
            "do",
            StepStatus.FAILED,
            action=action.name,
            input=_jsonable(inputs),
            attempts=1,
            error=_describe_error(e),
        )
        return _fail(run, row, step, row.error, permanent=True), None
    except Exception as e:  # a transient fault (database, network): retry with backoff
        logger.exception("run %s step %s failed", run.pk, run.cursor)
        row = _record(
            run,
            row,
            "do",
            StepStatus.RETRYING,
            action=action.name,
            input=_jsonable(inputs),
            attempts=1,
            error=f"{type(e).__name__}: {e}",
        )
        return _fail(run, row, step, row.error, permanent=False), None
    _record(
        run,
        row,
        "do",
        StepStatus.DONE,
        action=action.name,
        input=_jsonable(inputs),
        output=_jsonable(output),
        attempts=1,
    )
    _move(run, doc.next_after(document, path))
    return run.status, None


def _jsonable(value):
    """As stored in a JSON column: a Decimal from the context (``{{ order.total }}``) becomes
    its exact text rather than failing the save."""
    return json.loads(json.dumps(value, default=str))


def _call_outside(run_id: int, action, parsed, call, key: str) -> str:
    permanent = False
    try:
        output, error = action.run(parsed, call) or {}, None
    except ApplicationError as e:  # refused (e.g. a 4xx answer): as for inside actions,
        output, error, permanent = None, _describe_error(e), True  # retrying cannot help
    except Exception as e:
        output, error = None, f"{type(e).__name__}: {e}"
    with transaction.atomic():
        run = (
            FlowRun.objects.select_for_update(of=("self",))
            .select_related("flow", "version")
            .get(pk=run_id)
        )
        row = StepRun.objects.get(run=run, key=key)
        if run.status != RunStatus.RUNNING or run.cursor != key:
            return run.status  # cancelled or skipped meanwhile
        step = doc.get_step(run.version.document, doc.parse_step_key(key))
        if error is not None:
            row.status, row.error = StepStatus.RETRYING, error
            row.save(update_fields=["status", "error", "updated_at"])
            return _fail(run, row, step, error, permanent=permanent)
        _record(run, row, "do", StepStatus.DONE, output=_jsonable(output))
        _move(run, doc.next_after(run.version.document, doc.parse_step_key(key)))
        return run.status


def _backoff(step: dict, attempts: int) -> timedelta:
    policy = step.get("retry", {})
    base = doc.parse_duration(policy.get("backoff", DEFAULT_BACKOFF))
    cap = doc.parse_duration(policy.get("max_backoff", DEFAULT_MAX_BACKOFF))
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.5, 1.0)  # jitter: retries of many runs spread out


def _fail(run, row, step, error: str, *, permanent: bool) -> str:
    """A step failed: retry later if it may, else the run goes to the failed inbox."""
    attempts = row.attempts if row is not None else 1
    allowed = step.get("retry", {}).get("attempts", DEFAULT_ATTEMPTS)
    if not permanent and attempts < allowed:
        run.status, run.wake_at = RunStatus.WAITING, timezone.now() + _backoff(step, attempts)
        run.error = error
        run.save(update_fields=["status", "wake_at", "error", "updated_at"])
        return run.status
    _record(
        run,
        row,
        doc.step_kind(step) or "do",
        StepStatus.FAILED,
        action=step.get("do", ""),
        error=error,
        attempts=0 if row else 1,
    )
    run.status, run.error, run.wake_at = RunStatus.FAILED, error, None
    run.save(update_fields=["status", "error", "wake_at", "updated_at"])
    event_emit(
        type="flow_run.failed",
        subject=run,
        payload={"flow": run.flow.key, "step": run.cursor, "error": error[:500]},
        actor=run_actor(run),
    )
    return run.status


def _finish(run: FlowRun) -> str:
    run.status, run.finished_at, run.error = RunStatus.COMPLETED, timezone.now(), ""
    run.save(update_fields=["status", "finished_at", "error", "updated_at"])
    event_emit(
        type="flow_run.completed",
        subject=run,
        payload={"flow": run.flow.key, "version": run.version.number},
        actor=run_actor(run),
    )
    return run.status


# --- the scheduler's part -------------------------------------------------------------------


def flow_runs_wake_due(*, now: datetime | None = None) -> int:
    """Runs whose wait, timeout or retry is due, and running runs that stalled (their
    worker died), go back to the workers. Safe for several schedulers at once."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            FlowRun.objects.select_for_update(skip_locked=True)
            .filter(status__in=[RunStatus.WAITING, RunStatus.AWAITING_APPROVAL], wake_at__lte=now)
            .values_list("pk", flat=True)[:500]
        )
        # updated_at is the real clock: it is what the stalled check below compares, and a
        # caller's ``now`` (a test driving time forward) must not push it into the future.
        FlowRun.objects.filter(pk__in=due).update(
            status=RunStatus.RUNNING, updated_at=timezone.now()
        )
        stalled = list(
            FlowRun.objects.select_for_update(skip_locked=True)
            .filter(status=RunStatus.RUNNING, updated_at__lt=now - stalled_after())
            .exclude(pk__in=due)
            .values_list("pk", flat=True)[:500]
        )
        FlowRun.objects.filter(pk__in=stalled).update(updated_at=timezone.now())
        for run_id in [*due, *stalled]:
            transaction.on_commit(lambda run_id=run_id: _enqueue_advance(run_id))
    return len(due) + len(stalled)


# --- the owner's part -----------------------------------------------------------------------


def _owner_action(run: FlowRun, allowed: set[str], verb: str) -> FlowRun:
    run = (
        FlowRun.objects.select_for_update(of=("self",))
        .select_related("flow", "version")
        .get(pk=run.pk)
    )
    if run.status not in allowed:
        raise Conflict(
            "illegal_run_action",
            f"run {run.pk} is {run.status}; it cannot be {verb}",
            field="status",
            extra={"current": run.status},
        )
    return run


def flow_run_retry(*, run: FlowRun, actor: Actor) -> FlowRun:
    """Run the failed step again, with a fresh set of attempts."""
    with transaction.atomic():
        run = _owner_action(run, {RunStatus.FAILED}, "retried")
        StepRun.objects.filter(run=run, key=run.cursor).update(
            status=StepStatus.RETRYING, attempts=0
        )
        _move(run, doc.parse_step_key(run.cursor) if run.cursor else None)
        event_emit(type="flow_run.retried", subject=run, payload={"step": run.cursor}, actor=actor)
        transaction.on_commit(lambda: _enqueue_advance(run.pk))
    return run


def flow_run_skip(*, run: FlowRun, actor: Actor) -> FlowRun:
    """Mark the failed (or waiting) step skipped and go on with the next one."""
    with transaction.atomic():
        run = _owner_action(
            run, {RunStatus.FAILED, RunStatus.WAITING, RunStatus.AWAITING_APPROVAL}, "skipped"
        )
        key = run.cursor
        StepRun.objects.filter(run=run, key=key).update(status=StepStatus.SKIPPED)
        path = doc.parse_step_key(key)
        _move(run, doc.next_after(run.version.document, path) if path else None)
        event_emit(type="flow_run.skipped", subject=run, payload={"step": key}, actor=actor)
        transaction.on_commit(lambda: _enqueue_advance(run.pk))
    return run


def flow_run_cancel(*, run: FlowRun, actor: Actor) -> FlowRun:
    """Stop the run and undo its completed steps that name a ``compensate`` action, newest
    first (release the reservation, refund the payment)."""
    with transaction.atomic():
        run = _owner_action(
            run,
            {RunStatus.FAILED, RunStatus.WAITING, RunStatus.AWAITING_APPROVAL, RunStatus.RUNNING},
            "cancelled",
        )
        compensated = _compensate(run)
        run.status, run.finished_at, run.wake_at = RunStatus.CANCELLED, timezone.now(), None
        run.wait_event, run.wait_where = "", {}
        run.save(
            update_fields=[
                "status",
                "finished_at",
                "wake_at",
                "wait_event",
                "wait_where",
                "updated_at",
            ]
        )
        event_emit(
            type="flow_run.cancelled",
            subject=run,
            payload={"flow": run.flow.key, "compensated": compensated},
            actor=actor,
        )
    return run


def _compensate(run: FlowRun) -> list[str]:
    done = StepRun.objects.filter(run=run, kind="do", status=StepStatus.DONE).order_by("-id")
    ctx = _context(run)
    compensated = []
    for row in done:
        step = doc.get_step(run.version.document, doc.parse_step_key(row.key))
        spec = step.get("compensate")
        if not spec:
            continue
        call = ActionCall(
            idempotency_key=idempotency_key(run, row.key, "-compensate"),
            actor=run_actor(run),
            context=ctx,
            run_id=run.pk,
        )
        try:
            action = available()[spec["do"]]
            parsed = action.parse(expressions.render(spec.get("with", {}), ctx))
            with transaction.atomic():
                output = action.run(parsed, call) or {}
        except Exception as e:
            # Nothing of the cancel is kept (the caller's transaction rolls back, with the
            # compensations already run inside it); the owner sees why and may try again.
            # Outside compensations already called are called again with the same key.
            reason = _describe_error(e) if isinstance(e, ApplicationError | ValidationError) else e
            raise Conflict(
                "compensation_failed",
                f"undoing step {row.key} ({spec['do']}) failed: {reason}; the run was not "
                "cancelled",
                extra={"step": row.key},
            ) from e
        row.status = StepStatus.COMPENSATED
        row.output = {**row.output, "compensation": _jsonable(output)}
        row.save(update_fields=["status", "output", "updated_at"])
        compensated.append(row.key)
    return compensated


def flow_run_decide(*, run: FlowRun, approved: bool, note: str, actor: Actor) -> FlowRun:
    """The owner's answer to an ``approve`` step."""
    if not actor.can_write:
        raise PermissionDenied("read_only", "this actor may not decide")
    with transaction.atomic():
        run = _owner_action(run, {RunStatus.AWAITING_APPROVAL}, "decided")
        if approval_settle_if_decided(run=run):
            return run  # answered elsewhere already: settled with a note, not failed
        key = run.cursor
        StepRun.objects.filter(run=run, key=key).update(
            status=StepStatus.DONE,
            output={"approved": approved, "note": note, "by": actor.label},
            finished_at=timezone.now(),
        )
        path = doc.parse_step_key(key)
        document = run.version.document
        _move(
            run,
            doc.next_after(document, path)
            if approved
            else doc.first_of(document, path, "on_reject"),
        )
        event_emit(
            type="flow_run.approved" if approved else "flow_run.rejected",
            subject=run,
            payload={"flow": run.flow.key, "step": key, "note": note},
            actor=actor,
        )
        transaction.on_commit(lambda: _enqueue_advance(run.pk))
    return run
