"""Answers: "where is my order" answered from the order's real state (the tracking number of
its shipment), exactly once; what changes money or goods, complaints, low confidence, third
messages and automatic mail go to the owner or are left unanswered."""

import pytest

from soloops.accounts.actors import Actor
from soloops.automation.models import Event
from soloops.emails.models import EmailSend
from soloops.formatting import money_display
from soloops.fulfillment.services import shipment_create, shipment_ship
from soloops.orders.services import order_mark_paid
from soloops.support.answers import order_url
from soloops.support.models import Message
from soloops.support.services import conversation_receive
from tests.support.conftest import open_conversation, place

OWNER = Actor.system("test")


def shipped_order():
    order = place()
    order_mark_paid(order=order, actor=OWNER)  # the shop's review accepted it
    shipment = shipment_create(order=order, lines=None, carrier="manual", service="standard",
                               tracking_number="JD014600003828", actor=OWNER)  # fmt: skip
    shipment_ship(shipment=shipment, actor=OWNER)
    return order


def replies(conversation) -> list[Message]:
    return list(conversation.messages.filter(direction="out"))


def test_where_is_my_order_is_answered_with_its_real_tracking_number_once(shop, run_after_commit):
    # given an order that shipped with a tracking number
    order = shipped_order()

    # when its customer asks where it is, and the worker runs (twice, as a retry would)
    conversation = open_conversation(body=f"Where is my order {order.number}? It has not arrived")
    run_after_commit()
    run_after_commit()

    # then one automatic answer went out, with the real tracking number
    (reply,) = replies(conversation)
    assert reply.automatic and reply.author == "SoloOps"
    assert "JD014600003828" in reply.body and order.number in reply.body
    (send,) = EmailSend.objects.filter(template="support_reply")
    assert "JD014600003828" in send.body_text
    event = Event.objects.get(type="conversation.auto_replied")
    assert event.payload["reason"] == "informational"
    assert event.payload["intent"] == "order_status"
    conversation.refresh_from_db()
    assert conversation.status == "answered"


def test_a_chinese_question_is_answered_in_chinese(shop, run_after_commit):
    order = shipped_order()

    conversation = open_conversation(body=f"我的订单{order.number}到哪里了", language="zh-hans")
    run_after_commit()

    (reply,) = replies(conversation)
    assert "JD014600003828" in reply.body
    assert "您的订单" in reply.body


def test_an_invoice_request_is_answered_with_the_orders_amounts_and_its_receipt_page(
    shop, run_after_commit
):
    # given a paid order that shipped
    order = shipped_order()

    # when its customer asks for an invoice
    conversation = open_conversation(body=f"Can you send me an invoice for order {order.number}?")
    run_after_commit()

    # then SoloOps answers alone, with the order's real total and tax, paid, and its page
    (reply,) = replies(conversation)
    assert reply.automatic
    assert money_display(order.total, order.currency) in reply.body
    assert f"(tax {money_display(order.tax, order.currency)}), paid" in reply.body
    assert order_url(order) in reply.body and "receipt" in reply.body
    assert "invoice made out to a company" in reply.body  # and how to get one
    event = Event.objects.get(type="conversation.auto_replied")
    assert (event.payload["intent"], event.payload["reason"]) == ("invoice", "informational")


def test_an_invoice_request_for_an_unpaid_order_says_so_in_chinese(order, run_after_commit):
    # given an order not paid yet, asked about in Chinese
    conversation = open_conversation(body=f"订单{order.number}可以开发票吗", language="zh-hans")
    run_after_commit()

    # then the answer says it is not paid yet, with its total and page
    (reply,) = replies(conversation)
    assert "尚未付款" in reply.body and "收据" in reply.body
    assert money_display(order.total, order.currency) in reply.body
    assert order_url(order) in reply.body


def test_a_cancel_request_is_acknowledged_and_becomes_the_owners_decision(order, run_after_commit):
    conversation = open_conversation(body=f"Please cancel my order {order.number}, by mistake")
    run_after_commit()

    conversation.refresh_from_db()
    (ack,) = replies(conversation)
    assert "will confirm" in ack.body
    assert conversation.status == "open"
    assert conversation.escalation_reason == "changes_money_or_goods"
    assert Event.objects.filter(type="conversation.escalated").count() == 1
    order.refresh_from_db()
    assert order.status != "cancelled"  # nothing acted by itself


@pytest.mark.parametrize(
    ("body", "reason"),
    [("The mug arrived broken, this is unacceptable", "complaint"),
     ("Do you have a physical shop I can visit?", "not_informational")],
)  # fmt: skip
def test_the_owner_gets_a_suggested_reply(order, run_after_commit, body, reason):
    conversation = open_conversation(body=body)
    run_after_commit()

    conversation.refresh_from_db()
    assert replies(conversation) == []
    assert conversation.escalation_reason in (reason, "low_confidence")
    assert order.number in conversation.suggestion
    assert EmailSend.objects.count() == 0


def test_out_of_office_and_auto_submitted_mail_is_never_answered(order, run_after_commit):
    by_text = open_conversation(subject="Out of office", body="I am away until Monday.")
    by_header = open_conversation(body="Where is my order?", automated=True)
    run_after_commit()

    assert replies(by_text) == [] and replies(by_header) == []
    assert EmailSend.objects.count() == 0
    assert set(Message.objects.values_list("handling", flat=True)) == {"ignore"}


def test_no_two_automatic_replies_in_a_row(shop, run_after_commit):
    # given a question answered automatically
    order = shipped_order()
    conversation = open_conversation(body=f"Where is my order {order.number}?")
    run_after_commit()

    # when the customer (or a robot) writes the same again
    conversation_receive(conversation=conversation, body=f"Where is my order {order.number}?",
                         actor=OWNER)  # fmt: skip
    run_after_commit()

    # then the owner is asked, with the same answer suggested
    conversation.refresh_from_db()
    assert len(replies(conversation)) == 1
    assert conversation.escalation_reason == "after_auto_reply"
    assert "JD014600003828" in conversation.suggestion
