"""The integrations app's tasks: sending one outbound webhook delivery."""

import logging

from django.tasks import task

from soloops.integrations.services import webhooks

logger = logging.getLogger(__name__)


@task()
def send_webhook(delivery_id: int) -> str | None:
    """POST one delivery; any number of runs send each attempt once (see webhook_deliveries)."""
    delivery = webhooks.webhook_delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery else None


@task()
def process_channel_delivery(delivery_id: int) -> str | None:
    """Turn one stored channel webhook (or polled order) into our order, once."""
    from soloops.integrations.services import channels

    row = channels.channel_delivery_process(delivery_id=delivery_id)
    return row.status if row else None


@task()
def poll_channel(channel_id: int) -> dict | None:
    """Ask one channel's store for orders no webhook brought (the scheduler's catch-up)."""
    from soloops.accounts.actors import Actor
    from soloops.integrations.services import channels

    try:
        channel = channels.channel_get(channel_id=channel_id)
    except channels.NotFound:
        return None
    try:
        return channels.channel_poll(channel=channel, actor=Actor.system("scheduler"))
    except channels.ApplicationError as e:  # the store did not answer: next poll tries again
        logger.warning("channel %s: catch-up poll failed: %s", channel.name, e.message)
        return None
