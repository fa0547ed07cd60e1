"""Every write on support: conversations (open, receive, reply, answer by policy, close),
customer mail in, the owner's reply texts and thresholds. Each runs in one transaction with
its event. And the classifier's training (a file in var/, see ``training``)."""

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
from .replies import intent_threshold_set, reply_text_reset, reply_text_set
from .training import classifier_train, classifier_train_due

__all__ = [
    "AUTOMATIC_AUTHOR",
    "MESSAGE_MAX",
    "RATINGS",
    "SUBJECT_MAX",
    "PollResult",
    "classifier_train",
    "classifier_train_due",
    "conversation_answer",
    "conversation_close",
    "conversation_open",
    "conversation_receive",
    "conversation_receive_mail",
    "conversation_reply",
    "intent_threshold_set",
    "mailbox_configured",
    "mailbox_poll",
    "mailbox_poll_due",
    "message_relabel",
    "reply_rate",
    "reply_text_reset",
    "reply_text_set",
]
