"""The dispatch task: the worker runs the handlers of events committed by a request.

Its dotted path, ``soloops.events.tasks.dispatch_events``, is stored in the task table by
every enqueue; the old path ``soloops.automation.tasks.dispatch_events`` stays an alias for
tasks enqueued before the move.
"""

from django.tasks import task

from soloops.events import registry, services


@task()
def dispatch_events(event_ids: list[int]) -> int:
    # Apps above may wrap the dispatch (the flow engine advances the runs it starts here); the
    # events those runs and the handlers commit are dispatched here too, once it is done.
    with services.events_dispatched_here(), registry.dispatch_scope():
        return services.events_dispatch(event_ids=event_ids)
