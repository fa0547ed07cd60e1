"""What starts and resumes runs: an event (its flows, and the runs waiting for it), a
schedule slot, the owner's click or a webhook."""

import logging

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from soloops import correlation
from soloops.accounts.actors import Actor, ActorKind
from soloops.automation.flows import context as flow_context
from soloops.automation.flows import document as doc
from soloops.automation.flows import expressions
from soloops.automation.models import (
    Event,
    Flow,
    FlowRun,
    RunStatus,
    StepRun,
    StepStatus,
    TriggerKind,
)
from soloops.bulk_insert import insert_rows, supports_skip_conflicts
from soloops.errors import Conflict
from soloops.locking import lock_own_rows

from . import dispatch, trigger_index
from .events import emit_run_event
from .match import matches
from .outcomes import move
from .state import RunState

logger = logging.getLogger(__name__)
MAX_DEPTH = 5


def flow_run_start(
    *, flow: Flow, trigger: dict, actor: Actor, trigger_event: Event | None = None, depth: int = 0
) -> FlowRun | None:
    """Start a run on the flow's published version. Precondition: inside a transaction.

    With a ``trigger_event`` that already started a run of this flow (the event reached its
    handler again), nothing is written and None is returned: the run_once_per_event
    constraint refuses the second run, and the refusal does not fail the caller's transaction.
    """
    version = flow.published_version
    if version is None:
        raise Conflict("flow_not_published", f"flow {flow.key} has no published version")
    # The id of what started the run (the trigger event's, the request's): every event its
    # steps emit later, in other tasks, carries it too, so the timeline ties them together.
    with correlation.scope(correlation.current()) as correlation_id:
        too_deep = depth > MAX_DEPTH
        # Visible in the failed inbox, cursor still on the first step: an owner who
        # judges it is not a loop retries it and it runs from the start.
        error = f"not started: runs causing runs went deeper than {MAX_DEPTH} (a loop?)"
        run = FlowRun(
            flow=flow,
            version=version,
            trigger={**trigger, "correlation_id": str(correlation_id)},
            trigger_event=trigger_event,
            depth=depth,
            cursor="0",
            **(
                {"status": RunStatus.FAILED, "error": error, "finished_at": timezone.now()}
                if too_deep
                else {}
            ),
        )
        if not _insert_once(run):
            return None
        if too_deep:
            emit_run_event(run, "flow_run.failed", {"error": error}, actor=actor, flow=True)
            return run
        payload = {"version": version.number, "depth": depth}
        emit_run_event(run, "flow_run.started", payload, actor=actor, flow=True)
    transaction.on_commit(lambda: dispatch.enqueue_advance(run.pk))
    return run


def _insert_once(run: FlowRun) -> bool:
    """Write ``run``; False, writing nothing, if its trigger event started a run of its flow.

    Where the database can skip a row a unique constraint refuses (ON CONFLICT DO NOTHING),
    that is one statement; elsewhere (MySQL, MariaDB) the insert is in a savepoint, two
    statements more, and a refusal is told from other integrity errors by asking for the run.
    """
    if run.trigger_event_id is None:
        run.save(force_insert=True)
        return True
    connection = connections[router.db_for_write(FlowRun)]
    if not supports_skip_conflicts(connection):
        try:
            with transaction.atomic():
                run.save(force_insert=True)
        except IntegrityError:
            started = FlowRun.objects.filter(flow=run.flow_id, trigger_event=run.trigger_event_id)
            if started.exists():
                return False
            raise
        return True
    run.created_at = run.updated_at = timezone.now()
    meta = FlowRun._meta
    fields = [f.name for f in meta.concrete_fields if not f.primary_key]
    row = [getattr(run, meta.get_field(name).attname) for name in fields]
    ids = insert_rows(FlowRun, fields, [row], return_ids=True, skip_conflicts=True)
    if not ids:
        return False
    run.pk = ids[0]
    run._state.adding = False
    run._state.db = connection.alias
    return True


def flows_on_event(event: Event) -> None:
    """Event handler for every type: start the flows it triggers, resume runs waiting for it.

    Runs inside the event's delivery transaction, so this happens once per event.
    """
    if event.type.startswith(flows_on_event.ignores):
        return
    index = trigger_index.current()
    _start_triggered(event, index.flows_for(event.type))
    if event.type in index.waitable:  # else no version of any flow waits for this type
        _resume_waiting(event)


def flows_want(event_type: str) -> bool:
    """Whether a flow may act on an event of this type: an enabled, published flow starts on
    it, or a saved version waits for it (the index as committed now, or as pinned)."""
    index = trigger_index.current()
    return bool(index.flows_for(event_type)) or event_type in index.waitable


# A run's own lifecycle never triggers or resumes runs. Saying so to the registry means a
# flow_run.* event that no app handles is not dispatched at all: each run emits two of them
# (started, completed), and their dispatch tasks were half the tasks a run cost.
flows_on_event.ignores = ("flow_run.",)
# Nor does an event no flow starts on or waits for. The registry asks when the event is
# emitted, in the emitting transaction (one read of the flows stamp), so an event type nothing
# else handles is recorded as dispatched at once: an order's email.queued, payment.captured,
# shipment.created ... cost no dispatch. A flow sees the events emitted after its publication
# committed (an event emitted in a transaction that began before it may be missed), as before
# it saw those dispatched after (which, with a backlog, included events older than it).
flows_on_event.wants = flows_want


def wanted(flow: Flow, document: dict, event: Event, trigger: dict) -> bool:
    """Whether ``event`` starts ``flow``: its trigger's where filter and its condition."""
    if not matches(document["trigger"].get("where", {}), event):
        return False
    if "if" not in document:
        return True
    try:
        return bool(expressions.evaluate(document["if"], flow_context.for_event(event, trigger)))
    except expressions.ExpressionError as e:
        logger.warning("flow %s: condition failed on event %s: %s", flow.key, event.pk, e)
        return False


def _start_triggered(event: Event, flows: list[Flow]) -> None:
    parent_depth = None
    for flow in flows:
        trigger = {"event": flow_context.event_dict(event)}
        if not wanted(flow, flow.published_version.document, event, trigger):
            continue
        if parent_depth is None:
            parent_depth = _depth_of(event)
        # A second start (should the event reach this handler twice) writes nothing: no
        # savepoint and no question asked first, as the second start is rare.
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
        lock_own_rows(FlowRun.objects)
        .select_related("version")
        .filter(status=RunStatus.WAITING, wait_event=event.type)
    )
    for run in waiting:
        if not matches(run.wait_where, event):
            continue
        StepRun.objects.filter(run=run, key=run.cursor).update(
            status=StepStatus.DONE,
            output={"event": flow_context.event_dict(event)},
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        state = RunState(run=run, rows={})
        move(state, doc.next_after(run.version.document, doc.parse_step_key(run.cursor)))
        state.flush()
        transaction.on_commit(lambda run_id=run.pk: dispatch.enqueue_advance(run_id))


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
