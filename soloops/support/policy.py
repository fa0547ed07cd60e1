"""When SoloOps answers a customer by itself, and when the owner decides. Explained on every
conversation (the reason is stored and shown).

In order, the first rule that applies:
1. an automatic message (Auto-Submitted, out-of-office, a mailer daemon) is never answered;
2. never two automatic replies in a row: the customer's next message goes to the owner (a
   reply loop with another robot stops here, and a customer the answer did not help reaches a
   person);
3. a third message from the customer goes to the owner;
4. a complaint, or a message in angry or bitter words whatever it asks, goes to the owner;
5. below the intent's confidence threshold the owner decides, with a suggested reply (each
   intent has its own: the owner's, else the one learnt by cross-validation on the training
   messages for ≥ 95 % precision, never below SOLOOPS_SUPPORT_AUTO_REPLY_THRESHOLD; an
   intent the model is never sure enough about always goes to the owner);
6. requests that change money or goods (cancel, refund, address change) never act by
   themselves: the customer gets an acknowledgement, the owner a decision;
7. without an identified order the owner answers;
8. order status, delivery and invoice questions are answered from the order's real state
   (an invoice request with the order's amounts, payment and its page, which is its receipt);
9. anything else goes to the owner, with a suggested reply.
"""

import re
from dataclasses import dataclass

from soloops.support import intents
from soloops.support.selectors import intent_threshold

AUTO, ACKNOWLEDGE, OWNER, IGNORE = "auto", "acknowledge", "owner", "ignore"
ANSWERED_ALONE = intents.INFORMATIONAL  # status, delivery, invoice (answers.compose)
# Out-of-office and auto-replies that arrive without an Auto-Submitted header.
AUTOMATIC_TEXT = re.compile(
    r"out of (the )?office|automatic reply|auto[- ]?reply|away from (the )?office|"
    r"delivery status notification|undeliverable|自动回复|休假|不在办公室",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decision:
    action: str  # AUTO, ACKNOWLEDGE, OWNER or IGNORE
    reason: str  # a code, shown in words in the console (REASONS)


# Negative sentiment whatever the intent ("where is my order?? this is ridiculous"): a person
# answers someone upset. Words, not a model: few, clear, in both languages, and testable.
NEGATIVE_TEXT = re.compile(
    r"\b(unacceptable|ridiculous|disgusted|disgusting|furious|angry|terrible|awful|horrible|"
    r"worst|scam|fraud|rip-?off|useless|pathetic|disappointed|fed up|lawyer|chargeback)\b|"
    r"!!!|太差|失望|生气|愤怒|离谱|骗子|垃圾|投诉|差评|气死|恶心",
    re.IGNORECASE,
)


def sounds_negative(body: str) -> bool:
    return bool(NEGATIVE_TEXT.search(body or ""))


def looks_automatic(subject: str, body: str) -> bool:
    return bool(AUTOMATIC_TEXT.search(f"{subject}\n{body[:500]}"))


def decide(*, conversation, message, history: list) -> Decision:
    """What to do with ``message`` (inbound, classified); ``history`` is the thread before it."""
    if message.automated or looks_automatic(conversation.subject, message.body):
        return Decision(IGNORE, "automated")
    outbound = [m for m in history if m.direction == "out"]
    if outbound and outbound[-1].automatic:
        return Decision(OWNER, "after_auto_reply")
    if sum(1 for m in history if m.direction == "in") >= 2:
        return Decision(OWNER, "third_message")
    if message.intent == intents.COMPLAINT:
        return Decision(OWNER, "complaint")
    if sounds_negative(message.body):
        return Decision(OWNER, "negative")
    needed = intent_threshold(message.intent)
    if needed is None or (message.confidence or 0) < needed:
        return Decision(OWNER, "low_confidence")
    if conversation.order_id is None:
        return Decision(OWNER, "no_order")
    if message.intent in intents.CHANGES:
        return Decision(ACKNOWLEDGE, "changes_money_or_goods")
    if message.intent in ANSWERED_ALONE:
        return Decision(AUTO, "informational")
    return Decision(OWNER, "not_informational")
