"""What support does when its events are dispatched (the worker, after commit)."""

from soloops.accounts.actors import Actor
from soloops.support.models import Message
from soloops.support.services import conversation_answer

SUPPORT = Actor.system("support")


def answer_received(event) -> None:
    """Each customer message: the policy answers it, asks the owner, or leaves it."""
    message = Message.objects.filter(pk=event.payload.get("message")).first()
    if message is not None:
        conversation_answer(message=message, actor=SUPPORT)
