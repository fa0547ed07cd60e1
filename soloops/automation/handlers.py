"""Handlers for the automation app's own events."""

from django.utils.module_loading import import_string

from soloops.automation.models import Event, Schedule


def schedule_run(event: Event) -> None:
    """Call the fired schedule's function, once per slot (inside the delivery transaction)."""
    schedule = Schedule.objects.get(pk=event.subject_id)
    if schedule.task_path:
        import_string(schedule.task_path)(slot=event.payload["slot"], **schedule.kwargs)
