"""Event types support emits, with their payloads (subject: the conversation).

- ``conversation.opened``: {ref, channel, email, order_number, order_link} — a customer
  started a conversation (a mail, the contact form, the API);
- ``conversation.received``: {ref, message, channel, order_number, intent, confidence,
  model_version} — a message from the customer (the first one included), with what the
  classifier read in it, so a flow reacts to every question;
- ``conversation.replied``: {ref, message, by, email_send} — the shop answered by email;
- ``conversation.auto_replied``: {ref, message, intent, confidence, model_version, reason,
  order_number, reply, email_send} — SoloOps answered by itself (support.policy says when);
- ``conversation.escalated``: {same, suggestion} — the owner is asked, with why and a
  suggested reply;
- ``conversation.relabelled``: {ref, message, from, to, model_version} — the owner corrected
  what a message asks for (the next night's model learns from it);
- ``conversation.rated``: {ref, message, rating, intent, comment, automatic} — the customer
  said whether an answer helped ("good" / "bad");
- ``conversation.closed``: {ref} — nothing left to do;
- ``support.reply_changed``: {key, language, text, default} — the owner rewrote the reply for
  an intent (or put the shipped wording back: ``default``);
- ``support.threshold_changed``: {intent, from, to} — the owner set the confidence an intent
  needs before SoloOps acts alone (null: the learnt one).

Handles ``conversation.received``: the policy decides on each customer message (``handlers``).
"""

from pydantic import Field

from soloops.events.catalogue import EventType, Payload, declare
from soloops.support import handlers

HANDLERS = {"conversation.received": [handlers.answer_received]}


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


class Decided(Payload):
    ref: str
    message: int
    intent: str
    confidence: float
    model_version: str
    reason: str
    order_number: str | None


class AutoReplied(Decided):
    reply: int
    email_send: int


class Escalated(Decided):
    suggestion: str


class Relabelled(Payload):
    ref: str
    message: int
    from_: str = Field(alias="from")
    to: str
    model_version: str


class Rated(Payload):
    ref: str
    message: int
    rating: str
    intent: str
    comment: str
    automatic: bool


class Closed(Payload):
    ref: str


class ReplyChanged(Payload):
    key: str
    language: str
    text: str
    default: bool


class ThresholdChanged(Payload):
    intent: str
    from_: float | None = Field(alias="from")
    to: float | None


_SUBJECT = "support.conversation"
EVENTS = declare(
    EventType("conversation.opened", Opened, "a customer started a conversation", _SUBJECT),
    EventType("conversation.received", Received, "a message from the customer", _SUBJECT),
    EventType("conversation.replied", Replied, "the shop answered by email", _SUBJECT),
    EventType("conversation.auto_replied", AutoReplied, "SoloOps answered by itself", _SUBJECT),
    EventType("conversation.escalated", Escalated, "the owner is asked to answer", _SUBJECT),
    EventType("conversation.relabelled", Relabelled, "the owner corrected an intent", _SUBJECT),
    EventType("conversation.rated", Rated, "the customer rated an answer", _SUBJECT),
    EventType("conversation.closed", Closed, "the conversation needs nothing more", _SUBJECT),
    EventType(
        "support.reply_changed",
        ReplyChanged,
        "the owner rewrote an intent's reply",
        "support.reply",
    ),
    EventType(
        "support.threshold_changed",
        ThresholdChanged,
        "the owner set an intent's auto-reply threshold",
        "support.intent",
    ),
)
