"""Customers write to the shop from the storefront: the contact form, and "ask about this
order" on the order's own page, which links the question to that order."""

import pytest

from soloops.emails.models import EmailSend
from soloops.support.models import Conversation
from tests.emails.conftest import shop  # noqa: F401  (fixture)
from tests.storefront.conftest import hidden
from tests.support.conftest import place

pytestmark = pytest.mark.usefixtures("shop")


def test_the_contact_form_opens_a_conversation_linked_by_the_number_in_it(browser):
    # given an order of Ada's
    order = place()
    page = browser.get("/shop/contact/").content.decode()

    # when she writes through the contact form, naming it
    response = browser.post("/shop/contact/", {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "name": "Ada", "email": "ada@example.com", "subject": "Parcel",
        "body": f"Has {order.number} left yet?",
    })  # fmt: skip

    # then she is thanked, and the owner's inbox has it, linked to that order
    assert response.status_code == 200
    assert "we have your message" in response.content.decode()
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.order, conversation.order_link) == (
        "storefront",
        order,
        "number_in_text",
    )


def test_a_bad_contact_form_shows_the_error_and_writes_nothing(browser):
    page = browser.get("/shop/contact/").content.decode()

    response = browser.post("/shop/contact/", {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "email": "not an address", "body": "",
    })  # fmt: skip

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email_error"' in html and 'id="id_body_error"' in html
    assert Conversation.objects.count() == 0


def test_ask_about_this_order_from_its_page(browser):
    # given the order's page, linked from every email
    order = place()
    order_page = browser.get(f"/shop/orders/{order.public_token}/").content.decode()
    assert f"/shop/orders/{order.public_token}/ask/" in order_page

    # when the customer asks a question there
    page = browser.get(f"/shop/orders/{order.public_token}/ask/").content.decode()
    response = browser.post(f"/shop/orders/{order.public_token}/ask/", {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"), "body": "Gift wrap please",
    })  # fmt: skip

    # then the conversation is about that order, from the order's address
    assert response.status_code == 200
    conversation = Conversation.objects.get()
    assert conversation.order == order
    assert conversation.order_link == "given"
    assert conversation.email == order.email


def test_an_unknown_order_page_has_no_question_form(browser, db):
    assert browser.get("/shop/orders/nope/ask/").status_code == 404


def test_the_customer_rates_an_answer_from_its_link(browser, run_after_commit):
    from soloops.automation.models import Event
    from soloops.support.services import conversation_reply
    from tests.support.conftest import SYSTEM, open_conversation

    # given an answer emailed with its "was this helpful?" links
    conversation = open_conversation(body="Do you have a physical shop I can visit?")
    reply = conversation_reply(conversation=conversation, body="No, online only.", actor=SYSTEM)
    send = EmailSend.objects.get(pk=reply.email_send_id)
    url = f"/shop/rate/{reply.rating_token}/bad/"
    assert url in send.body_text

    # when the customer follows the link: nothing is recorded yet (a mail scanner may follow it)
    page = browser.get(url).content.decode()
    reply.refresh_from_db()
    assert reply.rating == ""

    # and presses the button with a comment
    response = browser.post(url, {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
                                  "comment": "I wanted to see it"})  # fmt: skip

    # then it is recorded per intent, and logged
    assert response.status_code == 200
    reply.refresh_from_db()
    assert (reply.rating, reply.rating_comment, reply.intent) == ("bad", "I wanted to see it",
                                                                  "other")  # fmt: skip
    assert Event.objects.get(type="conversation.rated").payload["rating"] == "bad"


def test_an_unknown_answer_or_rating_is_a_404(browser):
    assert browser.get("/shop/rate/nope/good/").status_code == 404
    assert browser.get("/shop/rate/nope/great/").status_code == 404
