from django.tasks import task

from soloops.emails import services


@task()
def send_email(send_id: int) -> str | None:
    """Send one queued email; any number of runs transmit it once (see services.email_send)."""
    send = services.email_send(send_id=send_id)
    return send.status if send else None
