"""Handlers for events the payments app acts on. Each runs in its delivery's transaction."""

from soloops.accounts.actors import Actor
from soloops.payments import services

ACTOR = Actor.system("payments")


def webhook_process(event) -> None:
    """A stored provider webhook: act on it (once)."""
    services.webhook_process(webhook_id=int(event.subject_id))


def order_reconcile(event) -> None:
    """An order was accepted again, cancelled or rejected: settle what its payments mean."""
    if event.type == "order.accepted" and "from" not in event.payload:
        return  # accepted at intake: it has no payment yet
    services.payment_reconcile_order(order_id=int(event.subject_id), actor=ACTOR)
