"""The default customer emails: an order's events reach the customer once, in their language."""

import pytest
from django.core import mail
from django.db import transaction

from soloops.automation.models import Event
from soloops.automation.services import event_emit, events_dispatch
from soloops.emails import handlers
from soloops.emails.models import EmailSend, SendStatus
from soloops.orders.services import order_cancel, order_mark_delivered, order_place
from tests.emails.conftest import SYSTEM
from tests.factories import draft


def place(email: str = "ada@example.com", language: str = "en"):
    order, _ = order_place(
        draft=draft(("MUG-1", 2), email=email, language=language), channel="api", actor=SYSTEM
    )
    return order


def emit(type: str, subject: tuple[str, str], payload: dict) -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=subject, payload=payload, actor=SYSTEM)


def test_an_accepted_order_emails_its_confirmation_once(transactional_db, run_tasks, shop):
    # when an order is placed and accepted, and every task runs
    order = place()
    run_tasks()

    # then the customer got one confirmation, in English, about this order
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == f"Order {order.number} confirmed: thank you!"
    assert "2 × Product MUG-1 (MUG-1): 25.00 EUR" in message.body  # noqa: RUF001 (the email's own punctuation)
    assert f"/shop/orders/{order.public_token}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert order.number in html
    send = EmailSend.objects.get()
    assert send.status == SendStatus.SENT
    assert (send.subject_type, send.subject_id) == ("orders.order", str(order.pk))
    assert send.idempotency_key == f"order_confirmation:{order.number}"
    queued = Event.objects.get(type="email.queued")
    assert (queued.payload["subject_type"], queued.payload["subject_id"]) == (
        "orders.order",
        str(order.pk),
    )


def test_a_redispatched_event_does_not_email_twice(transactional_db, run_tasks, shop):
    # given a confirmed order
    order = place()
    run_tasks()
    accepted = Event.objects.get(type="order.accepted", subject_id=str(order.pk))

    # when its event is handled again: by a new dispatch and by calling the handler directly
    Event.objects.filter(pk=accepted.pk).update(dispatched_at=None)
    events_dispatch(event_ids=[accepted.pk])
    with transaction.atomic():
        handlers.order_confirmation(accepted)
    run_tasks()

    # then still one email
    assert len(mail.outbox) == 1
    assert EmailSend.objects.count() == 1


def test_a_chinese_customer_gets_chinese_email(transactional_db, run_tasks, shop):
    # when
    order = place(email="li@example.com", language="zh-hans")
    run_tasks()

    # then
    (message,) = mail.outbox
    assert message.subject == f"订单 {order.number} 已确认，感谢您的惠顾！"  # noqa: RUF001 (the email's own punctuation)
    assert "感谢您的订购" in message.body
    assert "合计：25.00 EUR" in message.body  # noqa: RUF001 (the email's own punctuation)
    assert '<html lang="zh-Hans">' in message.alternatives[0][0]
    assert EmailSend.objects.get().language == "zh-hans"


def test_shipping_emails_the_tracking_link_from_the_shipment_event(
    transactional_db, run_tasks, shop
):
    # given a confirmed order
    order = place()
    run_tasks()
    mail.outbox.clear()

    # when fulfillment reports its parcel shipped
    emit(
        "shipment.shipped",
        ("fulfillment.shipment", "9"),
        {
            "order_number": order.number,
            "carrier": "DHL",
            "tracking_number": "JD0146",
            "tracking_url": "https://www.dhl.com/track?id=JD0146",
        },
    )
    run_tasks()

    # then
    (message,) = mail.outbox
    assert message.subject == f"Order {order.number} is on its way"
    assert "Tracking number: JD0146" in message.body
    assert "Track your parcel: https://www.dhl.com/track?id=JD0146" in message.body
    assert 'href="https://www.dhl.com/track?id=JD0146"' in message.alternatives[0][0]


def test_a_tracking_link_that_is_not_a_web_address_is_left_out(transactional_db, run_tasks, shop):
    # given
    order = place()
    run_tasks()
    mail.outbox.clear()

    # when
    emit(
        "shipment.shipped",
        ("fulfillment.shipment", "9"),
        {"order_number": order.number, "carrier": "DHL", "tracking_url": "javascript:alert(1)"},
    )
    run_tasks()

    # then
    (message,) = mail.outbox
    assert "javascript" not in message.body
    assert "javascript" not in message.alternatives[0][0]


def test_a_refund_emails_its_amount(transactional_db, run_tasks, shop):
    # given
    order = place()
    run_tasks()
    mail.outbox.clear()

    # when two partial refunds are made
    for amount in ("5.00", "7.50"):
        emit(
            "payment.refunded",
            ("payments.payment", "3"),
            {"order_number": order.number, "amount": amount, "currency": "EUR"},
        )
    run_tasks()

    # then one email each
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"Refund of 5.00 EUR for order {order.number}",
        f"Refund of 7.50 EUR for order {order.number}",
    ]


def test_cancelling_emails_the_customer(transactional_db, run_tasks, shop):
    # given
    order = place()
    run_tasks()
    mail.outbox.clear()

    # when
    order_cancel(order=order, actor=SYSTEM, reason="customer asked")
    run_tasks()

    # then the reason (often internal) is not in the email
    (message,) = mail.outbox
    assert message.subject == f"Order {order.number} has been cancelled"
    assert "customer asked" not in message.body


def test_delivery_asks_for_a_review_once_per_order(transactional_db, run_tasks, shop):
    # given a shipped order
    from soloops.orders.services import order_mark_paid, order_mark_shipped, order_start_fulfilling

    order = place()
    order_mark_paid(order=order, actor=SYSTEM)
    order_start_fulfilling(order=order, actor=SYSTEM)
    order_mark_shipped(order=order, actor=SYSTEM)
    run_tasks()
    mail.outbox.clear()

    # when the shipment and then the order are reported delivered
    emit("shipment.delivered", ("fulfillment.shipment", "9"), {"order_number": order.number})
    order_mark_delivered(order=order, actor=SYSTEM)
    run_tasks()

    # then one review request
    (message,) = mail.outbox
    assert message.subject == f"Your order {order.number} has arrived: how did we do?"
    assert "reply to this email" in message.body


def test_payment_received_emails_the_total(transactional_db, run_tasks, shop):
    from soloops.orders.services import order_mark_paid

    # given
    order = place()
    run_tasks()
    mail.outbox.clear()

    # when
    order_mark_paid(order=order, actor=SYSTEM)
    run_tasks()

    # then
    (message,) = mail.outbox
    assert message.subject == f"Payment received for order {order.number}"
    assert f"{order.total} EUR" in message.body


def test_an_event_that_names_no_order_fails_visibly(db):
    # given
    event = emit("shipment.shipped", ("fulfillment.shipment", "9"), {"carrier": "DHL"})

    # when / then the handler raises, so the delivery is retried and then shown as given up
    with pytest.raises(ValueError, match="names no order"):
        handlers.order_shipped(event)
    assert EmailSend.objects.count() == 0
