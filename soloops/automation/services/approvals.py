"""Questions that answer themselves: an ``approve`` step asks about its run's subject (the
object of the event that started the run: the held order of ``review-held-orders``). When
that object is decided elsewhere — on the order page, in Decisions, through the API, by
another flow — the question has nothing left to ask, so it is settled: the step is done with
a note saying who decided what, the run completes without its remaining steps (they acted on
the answer, which was given elsewhere), and ``flow_run.settled`` is recorded. It never fails.

Three doors lead here, so a stale question is settled whichever comes first:
- the handler of the deciding events (``approvals_settle_on_event``), after dispatch;
- ``flow_run_decide``, when someone answers a question already settled elsewhere;
- the approve step's timeout, which would otherwise act on the subject again.
Lists of waiting approvals leave out the ones a decision already settled (``settled_q``), so
no stale card shows while the handler's dispatch is still queued.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from soloops.accounts.actors import Actor, ActorKind
from soloops.automation.models import Event, FlowRun, RunStatus, StepRun, StepStatus
from soloops.events.services import event_emit
from soloops.locking import lock_own_rows

# A deciding event: the events that start runs whose questions it settles (type prefixes).
# Accepting settles what was asked while the order waited for a decision; rejecting or
# cancelling settles every question about the order (nothing is left to do for it).
SETTLES: dict[str, tuple[str, ...]] = {
    "order.accepted": ("order.placed", "order.on_hold"),
    "order.rejected": ("order.",),
    "order.cancelled": ("order.",),
}


def settled_q(prefix: str = "") -> Q:
    """FlowRuns (or rows reaching them through ``prefix``, e.g. ``"run__"``) whose question a
    later deciding event about their subject has settled. One EXISTS per deciding type."""
    match = Q(pk__in=[])
    for decision, asked_on in SETTLES.items():
        later = Event.objects.filter(
            type=decision,
            subject_type=OuterRef(f"{prefix}trigger_event__subject_type"),
            subject_id=OuterRef(f"{prefix}trigger_event__subject_id"),
            id__gt=OuterRef(f"{prefix}trigger_event_id"),
        )
        asked = Q()
        for start in asked_on:
            asked |= Q(**{f"{prefix}trigger_event__type__startswith": start})
        match |= asked & Exists(later)
    return match


def approval_settled_by(run: FlowRun) -> Event | None:
    """The first deciding event about the run's subject since its question was asked."""
    trigger = (
        Event.objects.filter(pk=run.trigger_event_id)
        .values("type", "subject_type", "subject_id")
        .first()
        if run.trigger_event_id
        else None
    )
    if trigger is None:
        return None
    types = [d for d, asked_on in SETTLES.items() if trigger["type"].startswith(asked_on)]
    if not types:
        return None
    return (
        Event.objects.filter(
            type__in=types,
            subject_type=trigger["subject_type"],
            subject_id=trigger["subject_id"],
            id__gt=run.trigger_event_id,
        )
        .order_by("id")
        .first()
    )


def approval_settle_if_decided(*, run: FlowRun) -> bool:
    """Settle ``run``'s question if its subject was decided meanwhile; True if it was.

    Precondition: inside a transaction, ``run`` locked and awaiting approval (or just woken
    from it by the timeout), its cursor on the approve step."""
    decided = approval_settled_by(run)
    if decided is None:
        return False
    _settle(run, decided)
    return True


def approvals_settle_on_event(event: Event) -> None:
    """Event handler for the deciding events: settle the questions about the same subject
    asked before it. Runs inside the event's delivery transaction (once per event)."""
    asked_on = SETTLES.get(event.type, ())
    starts = Q(pk__in=[])
    for start in asked_on:
        starts |= Q(trigger_event__type__startswith=start)
    waiting = (
        lock_own_rows(FlowRun.objects)
        .select_related("flow")
        .filter(
            starts,
            status=RunStatus.AWAITING_APPROVAL,
            trigger_event__subject_type=event.subject_type,
            trigger_event__subject_id=event.subject_id,
            trigger_event_id__lt=event.pk,
        )
    )
    for run in waiting:
        _settle(run, event)


def settlement(decided: Event) -> dict:
    """The output of an approve step that ``decided`` answered."""
    return {
        "approved": None,
        "settled": True,
        "decision": decided.type,
        "event_id": decided.pk,
        "by": decided.actor_label,
        "note": (
            f"{decided.type} by {decided.actor_label or decided.actor_kind} before this was "
            "answered; nothing left to decide"
        ),
    }


def _settle(run: FlowRun, decided: Event) -> None:
    now = timezone.now()
    key = run.cursor
    settled = settlement(decided)
    StepRun.objects.filter(run=run, key=key).update(
        status=StepStatus.DONE, output=settled, finished_at=now, updated_at=now
    )
    run.status, run.cursor, run.finished_at = RunStatus.COMPLETED, "", now
    run.wake_at, run.error = None, ""
    run.save(update_fields=["status", "cursor", "finished_at", "wake_at", "error", "updated_at"])
    settled_emit(run=run, key=key, decided=decided, settled=settled)


def settled_emit(*, run: FlowRun, key: str, decided: Event, settled: dict) -> None:
    """Record ``flow_run.settled``, attributed to whoever made the deciding change."""
    event_emit(
        type="flow_run.settled",
        subject=run,
        payload={
            "flow": run.flow.key,
            "step": key,
            "decision": decided.type,
            "event_id": decided.pk,
            "note": settled["note"],
        },
        actor=Actor(
            kind=ActorKind(decided.actor_kind),
            id=decided.actor_id,
            label=decided.actor_label,
        ),
    )
