"""Queueing, rendering and resending, with Django's in-memory mailer."""

import pytest
from django.core import mail
from django.db import transaction

from soloops.emails.models import EmailSend, EmailTemplate, SendStatus
from soloops.emails.rendering import TemplateSource
from soloops.emails.services import (
    email_resend,
    email_send,
    email_template_reset,
    email_template_save,
)
from soloops.errors import Conflict, InvalidInput
from tests.emails.conftest import SYSTEM, event_types, queue


def test_queueing_twice_with_one_key_makes_one_send_and_one_event(db):
    # when
    first = queue(idempotency_key="k:1")
    second = queue(idempotency_key="k:1", context={"subject": "different", "body": "ignored"})

    # then the first call wins
    assert first.pk == second.pk
    assert EmailSend.objects.count() == 1
    assert second.subject_line == "[My Shop] Stock is low"
    assert event_types() == ["email.queued"]


def test_the_queued_event_names_what_the_email_is_about(db):
    # when
    send = queue(subject=("orders.order", 42))

    # then
    from soloops.automation.models import Event

    event = Event.objects.get(type="email.queued")
    assert (event.subject_type, event.subject_id) == ("emails.emailsend", str(send.pk))
    assert event.payload["subject_type"] == "orders.order"
    assert event.payload["subject_id"] == "42"
    assert event.payload["template"] == "owner_notification"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to": "not an address"}, "to"),
        ({"template": "no_such_template"}, "template"),
        ({"language": "fr"}, "language"),
        ({"context": {"when": object()}}, "context"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"attachments": [("", b"x", "application/pdf")]}, "attachments[0]"),
        ({"attachments": [("a.pdf", b"x", "pdf")]}, "attachments[0]"),
    ],
)
def test_bad_input_names_the_field_and_queues_nothing(db, overrides, field):
    # when
    with pytest.raises(InvalidInput) as raised:
        queue(**overrides)

    # then
    assert raised.value.field == field
    assert EmailSend.objects.count() == 0
    assert event_types() == []


def test_a_context_with_decimals_and_dates_is_stored_as_json(db):
    from datetime import date
    from decimal import Decimal

    # when
    send = queue(context={"subject": "Total", "body": Decimal("12.50"), "on": date(2026, 3, 1)})

    # then
    assert send.context == {"subject": "Total", "body": "12.50", "on": "2026-03-01"}
    assert "12.50" in send.body_text


def test_html_is_autoescaped_and_plain_text_is_not(db):
    # when
    send = queue(context={"subject": "Note from <Ada>", "body": "<script>alert(1)</script> & co"})

    # then
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in send.body_html
    assert "<script>" not in send.body_html
    assert "<script>alert(1)</script> & co" in send.body_text
    assert send.subject_line == "[My Shop] Note from <Ada>"


def test_the_owners_version_is_used_and_reset_brings_back_the_default(db):
    # given the owner's own wording
    email_template_save(
        key="owner_notification",
        language="en",
        source=TemplateSource(
            subject="Heads up: {{ subject }}", body_text="{{ body|upper }}", body_html=""
        ),
        actor=SYSTEM,
    )

    # when
    mine = queue(idempotency_key="k:mine")
    email_template_reset(key="owner_notification", language="en", actor=SYSTEM)
    default = queue(idempotency_key="k:default")

    # then
    assert mine.subject_line == "Heads up: Stock is low"
    assert mine.body_text == "MUG-1 HAS 2 LEFT.\n"
    assert mine.body_html == ""
    assert default.subject_line == "[My Shop] Stock is low"
    assert EmailTemplate.objects.count() == 0
    assert event_types("email_template") == ["email_template.updated", "email_template.reset"]


def test_a_text_only_template_sends_no_html_part(db):
    # given
    email_template_save(
        key="owner_notification",
        language="en",
        source=TemplateSource(subject="{{ subject }}", body_text="{{ body }}", body_html=""),
        actor=SYSTEM,
    )
    send = queue()

    # when
    email_send(send_id=send.pk)

    # then
    (message,) = mail.outbox
    assert message.alternatives == []
    assert message.body == "MUG-1 has 2 left.\n"


@pytest.mark.parametrize(
    "source",
    [
        "{% debug %}",
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% url 'login' %}",
        "{% csrf_token %}",
        "{% lorem 999999 w %}",
    ],
)
def test_templates_reach_nothing_outside_their_context(db, source):
    # when
    with pytest.raises(InvalidInput) as raised:
        email_template_save(
            key="owner_notification",
            language="en",
            source=TemplateSource(subject="s", body_text=source, body_html=""),
            actor=SYSTEM,
        )

    # then
    assert raised.value.field == "body_text"
    assert raised.value.extra["line"] == 1
    assert EmailTemplate.objects.count() == 0


def test_a_template_cannot_change_its_context(db):
    # given a template calling a method of the data it is given
    email_template_save(
        key="owner_notification",
        language="en",
        source=TemplateSource(
            subject="{{ subject }}", body_text="{{ order.clear }}{{ order.number }}", body_html=""
        ),
        actor=SYSTEM,
    )

    # when
    send = queue(context={"subject": "s", "order": {"number": "SO-1"}})

    # then the data stayed as it was, for the rest of the template and in the stored context
    assert send.body_text == "SO-1\n"
    assert send.context["order"] == {"number": "SO-1"}


def test_a_marketing_template_carries_list_unsubscribe(db):
    # given a customer who agreed to marketing email (the marketing app checks it at send time)
    from soloops.customers.services import customer_create

    with transaction.atomic():
        customer_create(email="ada@example.com", marketing_consent=True, actor=SYSTEM)
    marketing = {"to": "ada@example.com", "template": "marketing_message"}

    # when a marketing email is queued without and with its unsubscribe link
    with pytest.raises(InvalidInput) as raised:
        queue(idempotency_key="m:1", **marketing)
    send = queue(
        idempotency_key="m:2",
        context={
            "subject": "Spring sale",
            "body": "20% off",
            "unsubscribe_url": "https://x.example/u/abc",
        },
        **marketing,
    )
    email_send(send_id=send.pk)

    # then
    assert raised.value.field == "context.unsubscribe_url"
    (message,) = mail.outbox
    headers = message.message()
    assert headers["List-Unsubscribe"] == "<https://x.example/u/abc>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_resend_makes_a_second_send_with_todays_template(db):
    # given a sent email, and a template changed since
    original = queue()
    email_send(send_id=original.pk)
    original.refresh_from_db()
    email_template_save(
        key="owner_notification",
        language="en",
        source=TemplateSource(subject="Again: {{ subject }}", body_text="{{ body }}", body_html=""),
        actor=SYSTEM,
    )

    # when
    with transaction.atomic():
        again = email_resend(send=original, actor=SYSTEM)

    # then
    assert again.pk != original.pk
    assert again.resend_of_id == original.pk
    assert again.idempotency_key != original.idempotency_key
    assert again.message_id != original.message_id
    assert again.subject_line == "Again: Stock is low"
    assert (again.subject_type, again.subject_id) == (original.subject_type, original.subject_id)
    assert again.status == SendStatus.QUEUED
    assert EmailSend.objects.count() == 2


def test_resend_with_the_same_request_key_resends_once(db):
    # given
    original = queue()
    email_send(send_id=original.pk)
    original.refresh_from_db()

    # when the owner's click arrives twice
    first = email_resend(send=original, actor=SYSTEM, key="click-1")
    second = email_resend(send=original, actor=SYSTEM, key="click-1")

    # then
    assert first.pk == second.pk
    assert EmailSend.objects.count() == 2


def test_an_email_still_being_tried_is_not_resent(db):
    # given
    queued = queue()

    # when
    with pytest.raises(Conflict) as raised:
        email_resend(send=queued, actor=SYSTEM)

    # then
    assert raised.value.code == "not_resendable"
    assert EmailSend.objects.count() == 1


def test_a_broken_stored_template_fails_the_queueing_naming_it(db):
    # given a template row broken outside the service (a raw database edit)
    EmailTemplate.objects.create(
        key="owner_notification", language="en", subject="ok", body_text="a\n{% if %}"
    )

    # when
    with pytest.raises(InvalidInput) as raised:
        queue()

    # then the caller (a handler, retried and then shown as failed) learns what to fix
    assert raised.value.field == "template"
    assert raised.value.extra == {"part": "body_text", "line": 2}
    assert "owner_notification (en)" in raised.value.message
    assert EmailSend.objects.count() == 0
