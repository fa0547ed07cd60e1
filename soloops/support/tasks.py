from django.tasks import task

from soloops.support import services


@task()
def poll_mailbox() -> dict:
    """Read the shop's mailbox into conversations (see services.mailbox)."""
    result = services.mailbox_poll()
    return {"fetched": result.fetched, "received": result.received,
            "unreadable": result.unreadable}  # fmt: skip
