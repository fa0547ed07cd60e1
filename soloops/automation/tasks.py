from django.tasks import task

from soloops.automation import services
from soloops.events.services import events_dispatched_here

# An alias for dispatch tasks enqueued before the event log moved to ``soloops.events``: the
# task table stores this dotted path. New enqueues use ``soloops.events.tasks.dispatch_events``.
from soloops.events.tasks import dispatch_events  # noqa: F401


@task()
def advance_run(run_id: int) -> str:
    # The events its steps commit are dispatched here once it is done, not by tasks.
    with events_dispatched_here():
        return services.flow_run_advance(run_id=run_id)


@task()
def advance_runs(run_ids: list[int]) -> int:
    with events_dispatched_here():
        services.flow_runs_advance(run_ids=run_ids)
    return len(run_ids)
