"""Every write on support: conversations (open, receive, reply, answer by policy, close) and
customer mail in. Each runs in one transaction with its event."""

from .conversations import (
    AUTOMATIC_AUTHOR,
    MESSAGE_MAX,
    RATINGS,
    SUBJECT_MAX,
    conversation_answer,
    conversation_close,
    conversation_open,
    conversation_receive,
    conversation_reply,
    message_relabel,
    reply_rate,
)
from .mail_in import conversation_receive_mail
from .mailbox import PollResult, mailbox_configured, mailbox_poll, mailbox_poll_due

__all__ = [
    "AUTOMATIC_AUTHOR",
    "MESSAGE_MAX",
    "RATINGS",
    "SUBJECT_MAX",
    "PollResult",
    "conversation_answer",
    "conversation_close",
    "conversation_open",
    "conversation_receive",
    "conversation_receive_mail",
    "conversation_reply",
    "mailbox_configured",
    "mailbox_poll",
    "mailbox_poll_due",
    "message_relabel",
    "reply_rate",
]
