"""The default customer emails: default flows that email an order's customer once, in their
language, when it is accepted, paid, shipped, delivered, cancelled or refunded — and that the
owner can switch off."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import translation

from soloops.automation.models import Delivery, Event, FlowRun, RunStatus
from soloops.automation.selectors import flow_get
from soloops.automation.services import flow_run_advance, flow_set_enabled
from soloops.emails.models import EmailSend, SendStatus
from soloops.events.services import event_emit, events_dispatch
from soloops.formatting import date_display
from soloops.fulfillment.models import Shipment
from soloops.fulfillment.services import shipment_create, shipment_deliver, shipment_ship
from soloops.orders.services import (
    order_accept,
    order_cancel,
    order_hold,
    order_mark_delivered,
    order_mark_paid,
    order_mark_shipped,
    order_place,
    order_start_fulfilling,
)
from tests.emails.conftest import SYSTEM, make_token
from tests.factories import draft

pytestmark = pytest.mark.usefixtures("default_flows")


def place(email: str = "ada@example.com", language: str = "en"):
    order, _ = order_place(
        draft=draft(("MUG-1", 2), email=email, language=language), channel="api", actor=SYSTEM
    )
    return order


def emit(type: str, subject: tuple[str, str], payload: dict) -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=subject, payload=payload, actor=SYSTEM)


def shipped(order_number: str, **fields) -> dict:
    """A ``shipment.shipped`` payload as fulfillment writes it (see fulfillment/events.py)."""
    return {
        "number": "SH-TEST",
        "order_number": order_number,
        "carrier": "manual",
        "carrier_name": "Manual",
        "service": "",
        "tracking_number": "",
        "tracking_url": "",
        "lines": [],
        **fields,
    }


def refunded(order_number: str, amount: str) -> dict:
    """A ``payment.refunded`` payload as payments writes it (see payments/events.py)."""
    return {
        "order_number": order_number,
        "payment": 3,
        "provider": "manual",
        "amount": amount,
        "currency": "EUR",
        "reference": "",
        "refund": 1,
        "reason": "",
        "payment_amount": "20.00",
        "amount_refunded": amount,
        "status": "partially_refunded",
    }


def switch_off(flow_key: str) -> None:
    flow_set_enabled(flow=flow_get(key=flow_key), enabled=False, actor=SYSTEM)


def runs_of(flow_key: str) -> list[FlowRun]:
    return list(FlowRun.objects.filter(flow__key=flow_key).order_by("id"))


def test_an_accepted_order_emails_its_confirmation_once(run_after_commit, shop):
    # when an order is placed and accepted, and every task runs
    order = place()
    run_after_commit()

    # then the customer got one confirmation, in English, about this order
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == f"Order {order.number} confirmed: thank you!"
    assert "2 × Product MUG-1 (MUG-1): €25.00" in message.body  # noqa: RUF001 (the email's own punctuation)
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
    # and it was the default flow that sent it, in a run the owner can see
    (run,) = runs_of("email-order-confirmation")
    assert run.status == RunStatus.COMPLETED
    assert (queued.actor_kind, queued.actor_id) == ("flow_run", str(run.pk))


def test_a_redispatched_event_does_not_email_twice(run_after_commit, shop):
    # given a confirmed order
    order = place()
    run_after_commit()
    accepted = Event.objects.get(type="order.accepted", subject_id=str(order.pk))
    (run,) = runs_of("email-order-confirmation")

    # when its event is dispatched again: as the relay would, then as if its delivery records
    # were lost; and the finished run is advanced again
    Event.objects.filter(pk=accepted.pk).update(dispatched_at=None)
    events_dispatch(event_ids=[accepted.pk])
    Delivery.objects.filter(event=accepted).delete()
    Event.objects.filter(pk=accepted.pk).update(dispatched_at=None)
    events_dispatch(event_ids=[accepted.pk])
    flow_run_advance(run_id=run.pk)
    run_after_commit()

    # then still one run and one email
    assert runs_of("email-order-confirmation") == [run]
    assert len(mail.outbox) == 1
    assert EmailSend.objects.count() == 1


def test_an_order_held_and_accepted_again_is_confirmed_once(run_after_commit, shop):
    # given a confirmed order
    order = place()
    run_after_commit()

    # when the owner holds it and accepts it again (a second order.accepted)
    order_hold(order=order, actor=SYSTEM, reason="address looks odd")
    order_accept(order=order, actor=SYSTEM)
    run_after_commit()

    # then the flow ran twice, but the customer got one confirmation: once per order
    assert [r.status for r in runs_of("email-order-confirmation")] == ["completed", "completed"]
    assert [m.subject for m in mail.outbox] == [f"Order {order.number} confirmed: thank you!"]


def test_switching_off_the_confirmation_flow_stops_the_confirmation_email(
    run_after_commit, shop, client: Client
):
    # given the owner switches the default confirmation flow off through the API
    owner = make_token("olivia")
    response = client.post("/api/flows/email-order-confirmation/disable", headers=owner)
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] is False

    # when an order is accepted, then paid
    order = place()
    run_after_commit()
    order_mark_paid(order=order, actor=SYSTEM)
    run_after_commit()

    # then no confirmation and no run of that flow; the other default emails still go out
    assert runs_of("email-order-confirmation") == []
    assert [m.subject for m in mail.outbox] == [f"Payment received for order {order.number}"]
    assert not EmailSend.objects.filter(template="order_confirmation").exists()

    # when the owner switches it on again, the next order is confirmed
    client.post("/api/flows/email-order-confirmation/enable", headers=owner)
    mail.outbox.clear()
    second = place()
    run_after_commit()
    assert [m.subject for m in mail.outbox] == [f"Order {second.number} confirmed: thank you!"]


def test_a_chinese_customer_gets_chinese_email(run_after_commit, shop):
    # when
    order = place(email="li@example.com", language="zh-hans")
    run_after_commit()

    # then
    (message,) = mail.outbox
    assert message.subject == f"订单 {order.number} 已确认，感谢您的惠顾！"  # noqa: RUF001 (the email's own punctuation)
    assert "感谢您的订购" in message.body
    assert "合计：€25.00" in message.body  # noqa: RUF001 (the email's own punctuation)
    # the day it was placed, written the Chinese way like everywhere in the shop
    with translation.override("zh-hans"):
        placed_on = date_display(order.placed_at)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", placed_on)
    assert f"订单 {order.number}（{placed_on}）" in message.body  # noqa: RUF001
    assert '<html lang="zh-Hans">' in message.alternatives[0][0]
    assert EmailSend.objects.get().language == "zh-hans"


def test_shipping_emails_the_tracking_link_from_the_shipment_event(run_after_commit, shop):
    # given a confirmed order
    order = place()
    run_after_commit()
    mail.outbox.clear()

    # when fulfillment reports its parcel shipped
    emit(
        "shipment.shipped",
        ("fulfillment.shipment", "9"),
        shipped(
            order.number,
            carrier_name="DHL Paket",
            tracking_number="JD0146",
            tracking_url="https://www.dhl.com/track?id=JD0146",
        ),
    )
    run_after_commit()

    # then the customer reads the carrier's name, not its code, and the tracking link
    (message,) = mail.outbox
    assert message.subject == f"Order {order.number} is on its way"
    assert "has shipped with DHL Paket." in message.body
    assert "Tracking number: JD0146" in message.body
    assert "Track your parcel: https://www.dhl.com/track?id=JD0146" in message.body
    assert 'href="https://www.dhl.com/track?id=JD0146"' in message.alternatives[0][0]


def test_a_tracking_link_that_is_not_a_web_address_is_left_out(run_after_commit, shop):
    # given
    order = place()
    run_after_commit()
    mail.outbox.clear()

    # when
    emit(
        "shipment.shipped",
        ("fulfillment.shipment", "9"),
        shipped(order.number, carrier_name="DHL", tracking_url="javascript:alert(1)"),
    )
    run_after_commit()

    # then
    (message,) = mail.outbox
    assert "javascript" not in message.body
    assert "javascript" not in message.alternatives[0][0]
    assert EmailSend.objects.get(template="order_shipped").context["shipment"] == {
        "carrier": "DHL",
        "tracking_number": "",
        "tracking_url": "",
    }


def test_a_refund_emails_its_amount(run_after_commit, shop):
    # given
    order = place()
    run_after_commit()
    mail.outbox.clear()

    # when two partial refunds are made
    for amount in ("5.00", "7.50"):
        emit(
            "payment.refunded",
            ("payments.payment", "3"),
            refunded(order.number, amount),
        )
    run_after_commit()

    # then one email each
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"Refund of €5.00 for order {order.number}",
        f"Refund of €7.50 for order {order.number}",
    ]


def test_cancelling_emails_the_customer(run_after_commit, shop):
    # given
    order = place()
    run_after_commit()
    mail.outbox.clear()

    # when
    order_cancel(order=order, actor=SYSTEM, reason="customer asked")
    run_after_commit()

    # then the reason (often internal) is not in the email
    (message,) = mail.outbox
    assert message.subject == f"Order {order.number} has been cancelled"
    assert "customer asked" not in message.body


def test_the_last_parcel_delivered_asks_for_a_review_once(run_after_commit, shop):
    # given a paid order that the default flow put in a shipment, which has left
    order = place()
    run_after_commit()
    order_mark_paid(order=order, actor=SYSTEM)
    run_after_commit()
    shipment = Shipment.objects.get(order_id=order.pk)
    shipment_ship(shipment=shipment, actor=SYSTEM)
    run_after_commit()
    mail.outbox.clear()

    # when the parcel arrives (shipment.delivered, and so order.delivered), and both events
    # are handed out again
    shipment_deliver(shipment=shipment, actor=SYSTEM)
    run_after_commit()
    delivered = Event.objects.filter(type__in=["shipment.delivered", "order.delivered"])
    assert delivered.count() == 2
    delivered.update(dispatched_at=None)
    events_dispatch(event_ids=list(delivered.values_list("pk", flat=True)))
    run_after_commit()

    # then one review request
    (message,) = mail.outbox
    assert message.subject == f"Your order {order.number} has arrived: how did we do?"
    assert "reply to this email" in message.body


def test_one_parcel_of_two_delivered_sends_no_review_request_yet(run_after_commit, shop):
    # given the owner packs by hand: the default shipment flow is off
    switch_off("create-shipment-when-paid")
    order = place()
    order_mark_paid(order=order, actor=SYSTEM)
    (line,) = order.lines.all()
    first, second = (
        shipment_create(
            order=order,
            lines=[(line.pk, 1)],
            carrier="manual",
            service="DHL Paket",
            tracking_number=number,
            actor=SYSTEM,
        )
        for number in ("JD1", "JD2")
    )
    for shipment in (first, second):
        shipment_ship(shipment=shipment, actor=SYSTEM)
    run_after_commit()
    mail.outbox.clear()

    # when the first parcel arrives
    shipment_deliver(shipment=first, actor=SYSTEM)
    run_after_commit()

    # then no email yet: the order is still on its way
    assert mail.outbox == []

    # when the second arrives
    shipment_deliver(shipment=second, actor=SYSTEM)
    run_after_commit()

    # then the one review request
    assert [m.subject for m in mail.outbox] == [
        f"Your order {order.number} has arrived: how did we do?"
    ]


def test_delivered_by_hand_without_shipments_asks_for_a_review(run_after_commit, shop):
    # given a shipped order whose status the owner moves by hand, with no shipments
    switch_off("create-shipment-when-paid")
    order = place()
    order_mark_paid(order=order, actor=SYSTEM)
    order_start_fulfilling(order=order, actor=SYSTEM)
    order_mark_shipped(order=order, actor=SYSTEM)
    run_after_commit()
    mail.outbox.clear()

    # when
    order_mark_delivered(order=order, actor=SYSTEM)
    run_after_commit()

    # then
    assert [m.subject for m in mail.outbox] == [
        f"Your order {order.number} has arrived: how did we do?"
    ]


def test_payment_received_emails_the_total(run_after_commit, shop):
    # given
    order = place()
    run_after_commit()
    mail.outbox.clear()

    # when
    order_mark_paid(order=order, actor=SYSTEM)
    run_after_commit()

    # then
    (message,) = mail.outbox
    assert message.subject == f"Payment received for order {order.number}"
    assert f"€{order.total}" in message.body


def test_an_event_that_names_no_order_fails_visibly(run_after_commit, shop):
    # when a shipment event names an order that does not exist
    emit("shipment.shipped", ("fulfillment.shipment", "9"), shipped("SO-NO-SUCH-ORDER"))
    run_after_commit()

    # then the shipped flow's run is in the failed inbox, saying what was missing; no email
    (run,) = runs_of("email-order-shipped")
    assert run.status == RunStatus.FAILED
    assert "SO-NO-SUCH-ORDER" in run.error
    assert Event.objects.filter(type="flow_run.failed", subject_id=str(run.pk)).exists()
    assert EmailSend.objects.count() == 0


def test_the_confirmation_names_the_delivery_method_chosen(run_after_commit, shop):
    # given Express (1-2 days) besides the free default
    from soloops.orders.services import shipping_rate_create

    shipping_rate_create(
        country="*", method="Express", amount="9.90", days_min=1, days_max=2, actor=SYSTEM
    )

    # when an order chooses it, in English and in Chinese
    for email, language in (("ada@example.com", "en"), ("li@example.com", "zh-hans")):
        order_place(
            draft=draft(("MUG-1", 1), email=email, language=language, shipping_method="Express"),
            channel="api",
            actor=SYSTEM,
        )
    run_after_commit()

    # then each confirmation says the method and its days in the customer's language
    english, chinese = sorted(mail.outbox, key=lambda m: m.to[0])
    assert "Shipping (Express, 1–2 days): €9.90" in english.body  # noqa: RUF001
    assert "Express, 1–2 days" in english.alternatives[0][0]  # noqa: RUF001
    assert "运费（Express，1–2 天）：€9.90" in chinese.body  # noqa: RUF001
