"""Event types support emits, with their payloads (subject: the conversation).

- ``conversation.opened``: {ref, channel, email, order_number, order_link} — a customer
  started a conversation (a mail, the contact form, the API);
- ``conversation.received``: {ref, message, channel, order_number, intent, confidence,
  model_version} — a message from the customer (the first one included), with what the
  classifier read in it, so a flow reacts to every question;
- ``conversation.replied``: {ref, message, by, email_send} — the shop answered by email;
- ``conversation.closed``: {ref} — nothing left to do.

Handles nothing: flows react to these (e.g. notify the owner of a new conversation).
"""

from soloops.events.catalogue import EventType, Payload, declare

HANDLERS: dict = {}


class Opened(Payload):
    ref: str
    channel: str
    email: str
    order_number: str | None
    order_link: str


class Received(Payload):
    ref: str
    message: int
    channel: str
    order_number: str | None
    intent: str
    confidence: float
    model_version: str


class Replied(Payload):
    ref: str
    message: int
    by: str
    email_send: int | None


class Closed(Payload):
    ref: str


_SUBJECT = "support.conversation"
EVENTS = declare(
    EventType("conversation.opened", Opened, "a customer started a conversation", _SUBJECT),
    EventType("conversation.received", Received, "a message from the customer", _SUBJECT),
    EventType("conversation.replied", Replied, "the shop answered by email", _SUBJECT),
    EventType("conversation.closed", Closed, "the conversation needs nothing more", _SUBJECT),
)
