from django.tasks import task

from soloops.automation import services


@task()
def dispatch_events(event_ids: list[int]) -> int:
    with services.runs_advanced_here():  # the runs these events start run in this task too
        return services.events_dispatch(event_ids=event_ids)


@task()
def advance_run(run_id: int) -> str:
    return services.flow_run_advance(run_id=run_id)


@task()
def advance_runs(run_ids: list[int]) -> int:
    services.flow_runs_advance(run_ids=run_ids)
    return len(run_ids)
