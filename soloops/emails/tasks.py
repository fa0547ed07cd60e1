from django.tasks import task

from soloops.emails import services
from soloops.events.services import events_dispatched_here

# Ahead of event dispatches and flow runs: a send is the end of a chain of work, and a send
# that waits behind a backlog is handed out again by the safety net after RELAY_DELAY (a task
# more); sending first keeps the backlog from growing at its end (on Redis every priority above
# the default falls in Celery's top step, with the other tasks one step below).
SEND_PRIORITY = 50


@task(priority=SEND_PRIORITY)
def send_email(send_id: int) -> str | None:
    """Send one queued email; any number of runs transmit it once (see services.email_send).
    Its ``email.sent`` (or ``email.failed``) is dispatched here, not by a task of its own."""
    with events_dispatched_here():
        send = services.email_send(send_id=send_id)
    return send.status if send else None
