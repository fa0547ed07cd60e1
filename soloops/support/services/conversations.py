"""Every write on support: a conversation opened, a message received, the shop's reply, closing.

Each runs in one transaction with its event. A reply goes out through the emails pipeline
(``email_enqueue``) inside that transaction, under an idempotency key, so a retried request or
a double click sends one email.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.emails.services import email_enqueue
from soloops.errors import Conflict, InvalidInput, NotFound
from soloops.events.services import event_emit
from soloops.idempotency import hash_request, replay
from soloops.locking import lock_own_rows
from soloops.numbers import random_code
from soloops.support import answers, intents, policy
from soloops.support.classifier import classify
from soloops.support.entities import entities_in
from soloops.support.errors import SupportErrorCode as Code
from soloops.support.linking import link_for
from soloops.support.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
)

MESSAGE_MAX = 20_000
SUBJECT_MAX = 300


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            Code.INVALID_EMAIL, f"{email!r} is not an email address", field="email"
        ) from None
    return email


def _clean_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(Code.EMPTY_MESSAGE, "the message is empty", field=field)
    if len(body) > MESSAGE_MAX:
        raise InvalidInput(
            Code.MESSAGE_TOO_LONG, f"a message holds at most {MESSAGE_MAX} characters", field=field
        )
    return body


def _language(code: str) -> str:
    return "zh-hans" if (code or "").lower().startswith("zh") else "en"


def _order_number(conversation: Conversation) -> str | None:
    return conversation.order.number if conversation.order_id else None


def conversation_open(
    *,
    channel: str,
    email: str,
    body: str,
    actor: Actor,
    name: str = "",
    subject: str = "",
    language: str = "en",
    order=None,
    message_id: str = "",
    automated: bool = False,
) -> Conversation:
    """A new conversation with its first message, linked to the customer and an order.

    ``order`` is the order the customer chose (the order page's "ask about this order");
    without it the order is looked for in the subject, the text, then the customer's latest
    open order (``linking``).
    """
    email = _clean_email(email)
    body = _clean_body(body)
    subject = (subject or "").strip()[:SUBJECT_MAX]
    link = link_for(email=email, subject=subject, body=body, given=order)
    now = timezone.now()
    due = now + timedelta(hours=settings.SUPPORT_FIRST_RESPONSE_HOURS)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            ref=f"C-{random_code(8)}",
            channel=channel,
            subject=subject,
            email=email,
            name=(name or (link.customer.name if link.customer else "")).strip()[:200],
            language=_language(language),
            customer=link.customer,
            order=link.order,
            order_link=link.rule,
            last_message_at=now,
            first_response_due_at=due,
        )
        event_emit(
            type="conversation.opened",
            subject=conversation,
            payload={
                "ref": conversation.ref,
                "channel": channel,
                "email": email,
                "order_number": _order_number(conversation),
                "order_link": link.rule,
            },
            actor=actor,
        )
        _receive(conversation, body=body, message_id=message_id, in_reply_to="", actor=actor,
                 automated=automated)  # fmt: skip
    return conversation


def _receive(conversation, *, body, message_id, in_reply_to, actor, automated=False) -> Message:
    understood = classify(" ".join(filter(None, [conversation.subject, body])))
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.IN,
        author=conversation.email,
        body=body,
        message_id=message_id[:500],
        in_reply_to=in_reply_to[:500],
        intent=understood.intent,
        confidence=understood.confidence,
        model_version=understood.model_version,
        automated=automated,
        entities=entities_in(body),
    )
    conversation.message_count += 1
    conversation.last_message_at = message.created_at
    conversation.status = ConversationStatus.OPEN
    conversation.intent = understood.intent
    conversation.confidence = understood.confidence
    conversation.save(
        update_fields=[
            "message_count", "last_message_at", "status", "intent", "confidence", "updated_at"
        ]
    )  # fmt: skip
    event_emit(
        type="conversation.received",
        subject=conversation,
        payload={
            "ref": conversation.ref,
            "message": message.pk,
            "channel": conversation.channel,
            "order_number": _order_number(conversation),
            "intent": understood.intent,
            "confidence": understood.confidence,
            "model_version": understood.model_version,
        },
        actor=actor,
    )
    return message


def conversation_receive(
    *,
    conversation: Conversation,
    body: str,
    actor: Actor,
    message_id: str = "",
    in_reply_to: str = "",
    automated: bool = False,
) -> Message:
    """Another message from the customer; a closed conversation opens again."""
    body = _clean_body(body)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        return _receive(conversation, body=body, message_id=message_id, in_reply_to=in_reply_to,
                        actor=actor, automated=automated)  # fmt: skip


def conversation_reply(
    *,
    conversation: Conversation,
    body: str,
    actor: Actor,
    idempotency_key: str | None = None,
    by: str = "",
) -> Message:
    """The shop's answer, emailed to the customer exactly once per ``idempotency_key``.

    The same key with the same text returns the first reply; with another text it is refused.
    """
    body = _clean_body(body)
    key = idempotency_key or uuid.uuid4().hex
    request_hash = hash_request({"conversation": conversation.ref, "body": body})
    if (earlier := replay(Message.objects.all(), key=key, request_hash=request_hash)) is not None:
        return earlier
    try:
        with transaction.atomic():
            return _reply(conversation, body, actor, key, request_hash, by or actor.label)
    except IntegrityError:
        # A concurrent copy of this request committed first; its reply is the one.
        found = replay(Message.objects.all(), key=key, request_hash=request_hash)
        if found is None:
            raise
        return found


def _reply(conversation, body, actor, key, request_hash, by, automatic=False) -> Message:
    conversation = lock_own_rows(Conversation.objects.select_related("order")).get(
        pk=conversation.pk
    )
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.OUT,
        author=by[:200],
        body=body,
        idempotency_key=key,
        request_hash=request_hash,
        automatic=automatic,
        intent=conversation.intent,  # what this answers: satisfaction is counted per intent
        rating_token=secrets.token_urlsafe(18),
    )
    rate = f"{settings.SITE_URL}/shop/rate/{message.rating_token}/"
    send = email_enqueue(
        to=conversation.email,
        template="support_reply",
        context={
            "body": body,
            "subject": conversation.subject,
            "conversation": {"ref": conversation.ref},
            "customer": {"name": conversation.name, "email": conversation.email},
            "order": {"number": _order_number(conversation) or ""},
            "rating": {"good_url": f"{rate}good/", "bad_url": f"{rate}bad/"},
        },
        language=conversation.language,
        idempotency_key=f"support-reply:{key}",
        subject=("support.conversation", conversation.ref),
        actor=actor,
    )
    message.email_send_id = send.pk
    message.message_id = send.message_id
    message.save(update_fields=["email_send_id", "message_id", "updated_at"])
    now = timezone.now()
    conversation.message_count += 1
    conversation.last_message_at = now
    conversation.status = ConversationStatus.ANSWERED
    conversation.suggestion = ""
    fields = ["message_count", "last_message_at", "status", "suggestion", "updated_at"]
    if conversation.first_responded_at is None:
        conversation.first_responded_at = now
        fields.append("first_responded_at")
    conversation.save(update_fields=fields)
    if not automatic:
        event_emit(
            type="conversation.replied",
            subject=conversation,
            payload={
                "ref": conversation.ref,
                "message": message.pk,
                "by": message.author,
                "email_send": send.pk,
            },
            actor=actor,
        )
    return message


AUTOMATIC_AUTHOR = "SoloOps"


def conversation_answer(*, message: Message, actor: Actor) -> str:
    """Apply the policy (``support.policy``) to an inbound message: answer it from the order's
    state, acknowledge it and ask the owner, ask the owner with a suggested reply, or leave an
    automatic message unanswered. Returns the action taken. Runs once per message (the
    handler's delivery), and the reply's key is the message's, so it is emailed once.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.handling:
            return message.handling  # already decided
        conversation = lock_own_rows(Conversation.objects.select_related("order")).get(
            pk=message.conversation_id
        )
        history = list(conversation.messages.filter(pk__lt=message.pk))
        decision = policy.decide(conversation=conversation, message=message, history=history)
        message.handling = decision.action
        message.save(update_fields=["handling", "updated_at"])
        if decision.action == policy.IGNORE:
            return decision.action
        text = answers.compose(intent=message.intent, order=conversation.order,
                               language=conversation.language, name=conversation.name)  # fmt: skip
        if decision.action in (policy.AUTO, policy.ACKNOWLEDGE):
            reply = _reply(conversation, text, actor, f"support-auto:{message.pk}",
                           "", AUTOMATIC_AUTHOR, automatic=True)  # fmt: skip
            conversation.refresh_from_db()
            event_emit(
                type="conversation.auto_replied",
                subject=conversation,
                payload=_decision_payload(conversation, message, decision) | {
                    "reply": reply.pk, "email_send": reply.email_send_id
                },
                actor=actor,
            )  # fmt: skip
        if decision.action in (policy.ACKNOWLEDGE, policy.OWNER):
            conversation.status = ConversationStatus.OPEN
            conversation.escalation_reason = decision.reason
            conversation.suggestion = "" if decision.action == policy.ACKNOWLEDGE else text
            conversation.save(
                update_fields=["status", "escalation_reason", "suggestion", "updated_at"]
            )
            event_emit(
                type="conversation.escalated",
                subject=conversation,
                payload=_decision_payload(conversation, message, decision)
                | {"suggestion": conversation.suggestion},
                actor=actor,
            )
    return decision.action


def _decision_payload(conversation, message, decision) -> dict:
    return {
        "ref": conversation.ref,
        "message": message.pk,
        "intent": message.intent,
        "confidence": message.confidence,
        "model_version": message.model_version,
        "reason": decision.reason,
        "order_number": _order_number(conversation),
    }


def conversation_close(*, conversation: Conversation, actor: Actor) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.status == ConversationStatus.CLOSED:
            raise Conflict(Code.CLOSED, f"conversation {conversation.ref} is already closed")
        conversation.status = ConversationStatus.CLOSED
        conversation.save(update_fields=["status", "updated_at"])
        event_emit(
            type="conversation.closed",
            subject=conversation,
            payload={"ref": conversation.ref},
            actor=actor,
        )
    return conversation


def message_relabel(*, message: Message, intent: str, actor: Actor) -> Message:
    """The owner says what a customer's message really asks for. Kept beside what the model
    said; from the next night on the model learns from it (``classifier``)."""
    if intent not in intents.INTENTS:
        raise InvalidInput(
            Code.UNKNOWN_INTENT,
            f"intent must be one of {', '.join(intents.INTENTS)}, not {intent!r}",
            field="intent",
        )
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.direction != Direction.IN:
            raise InvalidInput(
                Code.NOT_INBOUND, "only a customer's message has an intent", field="message"
            )
        before = message.corrected_intent or message.intent
        message.corrected_intent = intent
        message.corrected_at = timezone.now()
        message.save(update_fields=["corrected_intent", "corrected_at", "updated_at"])
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        latest = conversation.messages.filter(direction=Direction.IN).order_by("-pk").first()
        if latest is not None and latest.pk == message.pk:
            conversation.intent = intent
            conversation.save(update_fields=["intent", "updated_at"])
        event_emit(
            type="conversation.relabelled",
            subject=conversation,
            payload={"ref": conversation.ref, "message": message.pk, "from": before, "to": intent,
                     "model_version": message.model_version},
            actor=actor,
        )  # fmt: skip
    return message


RATINGS = ("good", "bad")
COMMENT_MAX = 2000


def reply_rate(*, token: str, rating: str, comment: str = "", actor: Actor) -> Message:
    """The customer's answer to "Was this helpful?" on one of our replies (the token of its
    link). Rating again replaces the earlier rating; each is logged."""
    if rating not in RATINGS:
        raise InvalidInput(Code.INVALID_RATING, "rating must be good or bad", field="rating")
    comment = (comment or "").strip()[:COMMENT_MAX]
    with transaction.atomic():
        message = (
            lock_own_rows(Message.objects.select_related("conversation"))
            .filter(rating_token=token, direction=Direction.OUT)
            .first()
        )
        if message is None:
            raise NotFound(Code.NOT_FOUND, "no such answer")
        message.rating, message.rating_comment = rating, comment
        message.rated_at = timezone.now()
        message.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        event_emit(
            type="conversation.rated",
            subject=message.conversation,
            payload={"ref": message.conversation.ref, "message": message.pk, "rating": rating,
                     "intent": message.intent, "comment": comment,
                     "automatic": message.automatic},
            actor=actor,
        )  # fmt: skip
    return message
