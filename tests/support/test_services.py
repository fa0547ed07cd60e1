"""Conversations in: linking to the customer and the order (saying which rule), messages,
the shop's reply emailed exactly once, closing — each with its event."""

import pytest
from django.db import transaction

from soloops.automation.models import Event
from soloops.emails.models import EmailSend
from soloops.errors import Conflict, InvalidInput
from soloops.support.models import Conversation, Message
from soloops.support.services import (
    conversation_close,
    conversation_receive,
    conversation_reply,
)
from tests.support.conftest import SYSTEM, open_conversation, place


def events(conversation) -> list[str]:
    return list(
        Event.objects.filter(subject_type="support.conversation", subject_id=str(conversation.pk))
        .order_by("id")
        .values_list("type", flat=True)
    )


def test_an_order_number_in_the_subject_links_that_order(order):
    # given a second, newer open order of the same customer
    place()

    # when she writes about the first one by number, in lower case
    conversation = open_conversation(subject=f"Where is {order.number.lower()}?", body="Hi")

    # then that order is linked, by the subject rule, and the customer too
    assert conversation.order == order
    assert conversation.order_link == "number_in_subject"
    assert conversation.customer_id == order.customer_id
    assert events(conversation) == ["conversation.opened", "conversation.received"]
    opened = Event.objects.get(type="conversation.opened")
    assert opened.payload["order_number"] == order.number
    assert opened.payload["order_link"] == "number_in_subject"


def test_a_number_in_the_text_links_only_an_order_of_the_sender(order):
    # given someone else's order
    other = place(email="grace@example.com")

    # when Ada quotes Grace's number, and Grace quotes hers in the text
    ada = open_conversation(body=f"What about {other.number}?")
    grace = open_conversation(email="Grace@Example.com", body=f"Order {other.number} please")

    # then Ada gets her own latest open order, never Grace's; Grace gets hers by the text
    assert ada.order == order
    assert ada.order_link == "latest_open"
    assert grace.order == other
    assert grace.order_link == "number_in_text"
    assert grace.email == "grace@example.com"


def test_no_order_when_the_sender_has_none(shop):
    conversation = open_conversation(email="new@example.com", body="Do you ship to Norway?")

    assert conversation.order is None
    assert conversation.order_link == ""
    assert conversation.customer is None


def test_the_given_order_wins(order):
    newer = place()

    conversation = open_conversation(body=f"about {newer.number}", order=order)

    assert conversation.order == order
    assert conversation.order_link == "given"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"email": "not-an-address"}, "email"), ({"body": "   "}, "body"),
     ({"body": "x" * 20_001}, "body")],
)  # fmt: skip
def test_bad_input_names_the_field_and_writes_nothing(shop, fields, field):
    with pytest.raises(InvalidInput) as raised:
        open_conversation(**fields)

    assert raised.value.field == field
    assert Conversation.objects.count() == 0
    assert not Event.objects.filter(type__startswith="conversation.").exists()


def test_messages_count_and_a_closed_conversation_opens_again(order):
    conversation = open_conversation(body="First")
    with transaction.atomic():
        conversation_close(conversation=conversation, actor=SYSTEM)

    conversation_receive(conversation=conversation, body="Second", actor=SYSTEM)

    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert conversation.message_count == 2
    assert [m.body for m in conversation.messages.all()] == ["First", "Second"]
    assert events(conversation)[-2:] == ["conversation.closed", "conversation.received"]


def test_closing_twice_is_a_conflict(order):
    conversation = open_conversation()
    conversation_close(conversation=conversation, actor=SYSTEM)

    with pytest.raises(Conflict):
        conversation_close(conversation=conversation, actor=SYSTEM)


def test_a_reply_is_queued_once_per_key_and_answers_the_conversation(order):
    # given a question
    conversation = open_conversation(body="Where is my parcel?")

    # when the shop replies twice with the same key (a double click, a retried request)
    first = conversation_reply(
        conversation=conversation, body="It left today.", actor=SYSTEM, idempotency_key="k1"
    )
    again = conversation_reply(
        conversation=conversation, body="It left today.", actor=SYSTEM, idempotency_key="k1"
    )

    # then one message and one email, and the conversation is answered
    assert again.pk == first.pk
    assert Message.objects.filter(direction="out").count() == 1
    send = EmailSend.objects.get()
    assert send.template == "support_reply"
    assert send.to == "ada@example.com"
    assert "It left today." in send.body_text
    assert first.email_send_id == send.pk
    conversation.refresh_from_db()
    assert conversation.status == "answered"
    assert conversation.first_responded_at is not None
    assert events(conversation)[-1] == "conversation.replied"


def test_a_key_reused_for_another_text_is_refused(order):
    conversation = open_conversation()
    conversation_reply(conversation=conversation, body="A", actor=SYSTEM, idempotency_key="k")

    with pytest.raises(InvalidInput) as raised:
        conversation_reply(conversation=conversation, body="B", actor=SYSTEM, idempotency_key="k")

    assert raised.value.field == "Idempotency-Key"
    assert EmailSend.objects.count() == 1


def test_a_reply_reaches_a_real_smtp_server_in_the_customers_language(
    order, smtp, run_after_commit
):
    # given a Chinese customer's question
    conversation = open_conversation(body="你们有实体店吗", language="zh-hans", subject="订单")

    # when the shop answers and the worker sends
    with transaction.atomic():
        conversation_reply(conversation=conversation, body="已发货。", actor=SYSTEM)
    run_after_commit()

    # then the mail server got one message, in Chinese
    (mail,) = smtp.messages
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "回复：订单"  # noqa: RUF001
    assert "已发货。" in mail.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("text", "intent"),
    [("Where is my order? It has not arrived", "order_status"),
     ("我的订单到哪里了", "order_status"),
     ("Please cancel my order, I ordered by mistake", "cancel_order"),
     ("请取消订单，我不想要了", "cancel_order"),  # noqa: RUF001
     ("Can you send me an invoce for my order", "invoice"),
     ("The mug arrived broken, this is unacceptable", "complaint")],
)  # fmt: skip
def test_each_message_is_understood_and_the_model_version_recorded(shop, text, intent):
    conversation = open_conversation(email="new@example.com", body=text)

    (message,) = conversation.messages.all()
    assert (message.intent, conversation.intent) == (intent, intent)
    assert 0 < message.confidence <= 1
    assert len(message.model_version) == 12
    received = Event.objects.get(type="conversation.received")
    assert received.payload["intent"] == intent
    assert received.payload["model_version"] == message.model_version


def test_a_number_written_against_chinese_text_links_its_order(order):
    conversation = open_conversation(body=f"我的订单{order.number}到哪里了 运单号还没有")

    assert conversation.order == order
    assert conversation.order_link == "number_in_text"


def test_what_a_message_names_is_kept_beside_it(shop):
    conversation = open_conversation(
        email="new@example.com",
        body="Paid €42.50 on 2026-12-01, tracking JD014600003828, write to bob@example.org",
    )

    (message,) = conversation.messages.all()
    assert message.entities == {
        "emails": ["bob@example.org"],
        "tracking_numbers": ["JD014600003828"],
        "amounts": ["€42.50"],
        "dates": ["2026-12-01"],
    }
