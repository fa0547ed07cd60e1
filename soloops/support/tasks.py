from django.tasks import task

from soloops.support import services


@task()
def poll_mailbox() -> dict:
    """Read the shop's mailbox into conversations (see services.mailbox)."""
    result = services.mailbox_poll()
    return {"fetched": result.fetched, "received": result.received,
            "unreadable": result.unreadable}  # fmt: skip


@task()
def train_classifier() -> dict:
    """Train the current intent model if var/ lacks it (see services.training)."""
    version, seconds = services.classifier_train()
    return {"version": version, "seconds": round(seconds, 1)}
