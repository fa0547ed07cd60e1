from django.tasks import task

from soloops.automation import services

# An alias for dispatch tasks enqueued before the event log moved to ``soloops.events``: the
# task table stores this dotted path. New enqueues use ``soloops.events.tasks.dispatch_events``.
from soloops.events.tasks import dispatch_events  # noqa: F401


@task()
def advance_run(run_id: int) -> str:
    return services.flow_run_advance(run_id=run_id)


@task()
def advance_runs(run_ids: list[int]) -> int:
    services.flow_runs_advance(run_ids=run_ids)
    return len(run_ids)
