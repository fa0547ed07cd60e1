from django.tasks import task

from soloops.automation import services


@task()
def dispatch_events(event_ids: list[int]) -> int:
    return services.events_dispatch(event_ids=event_ids)
