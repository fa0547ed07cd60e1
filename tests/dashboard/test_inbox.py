"""The inbox in the console: unanswered first with filters, one conversation with its order
and shipments beside it, a reply sent once per form, roles."""

import pytest

from soloops.emails.models import EmailSend
from soloops.support.models import Conversation
from tests.emails.conftest import shop  # noqa: F401  (fixture)
from tests.support.conftest import open_conversation, place

pytestmark = pytest.mark.usefixtures("shop")


def test_the_inbox_lists_waiting_conversations_first_with_their_order(owner_client):
    order = place()
    waiting = open_conversation(subject="Where is it?", body=f"{order.number}?")
    Conversation.objects.filter(pk=open_conversation(subject="Thanks!").pk).update(
        status="answered"
    )

    html = owner_client.get("/inbox/").content.decode()

    assert html.index("Where is it?") < html.index("Thanks!")
    assert order.number in html
    filtered = owner_client.get("/inbox/", {"status": "answered"}).content.decode()
    assert "Thanks!" in filtered and "Where is it?" not in filtered
    assert waiting.ref in owner_client.get("/inbox/", {"order": order.number}).content.decode()


def test_the_list_costs_the_same_queries_for_many_rows(owner_client,
                                                        django_assert_max_num_queries):  # fmt: skip
    for i in range(30):
        place(email=f"c{i}@example.com")
        open_conversation(email=f"c{i}@example.com")

    with django_assert_max_num_queries(8):
        assert owner_client.get("/inbox/").status_code == 200


def test_the_owner_replies_from_the_conversation_once_per_form(owner_client):
    # given a question about an order
    order = place()
    conversation = open_conversation(body=f"Is {order.number} on its way?")
    page = owner_client.get(f"/inbox/{conversation.ref}/").content.decode()
    assert order.number in page and "Order number in the message" in page

    # when she sends the reply, and the same form again (a double click)
    key = page.split('name="key" value="')[1].split('"')[0]
    data = {"body": "Yes, it left this morning.", "key": key}
    first = owner_client.post(f"/inbox/{conversation.ref}/", data)
    second = owner_client.post(f"/inbox/{conversation.ref}/", data)

    # then one email went out and the thread shows the reply
    assert first.status_code == second.status_code == 302
    assert EmailSend.objects.filter(template="support_reply").count() == 1
    page = owner_client.get(f"/inbox/{conversation.ref}/").content.decode()
    assert "Yes, it left this morning." in page
    assert "Reply emailed by olivia" in page


def test_an_empty_reply_is_a_form_error(owner_client):
    conversation = open_conversation()

    response = owner_client.post(f"/inbox/{conversation.ref}/", {"body": "", "key": "k"})

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert EmailSend.objects.count() == 0


def test_a_viewer_reads_but_cannot_reply_or_close(viewer_client):
    conversation = open_conversation()

    page = viewer_client.get(f"/inbox/{conversation.ref}/").content.decode()
    reply = viewer_client.post(f"/inbox/{conversation.ref}/", {"body": "x", "key": "k"})
    close = viewer_client.post(f"/inbox/{conversation.ref}/close/")

    assert "Send reply" not in page
    assert reply.status_code == close.status_code == 403
    assert EmailSend.objects.count() == 0


def test_closing_and_an_unknown_conversation(staff_client):
    conversation = open_conversation()

    assert staff_client.post(f"/inbox/{conversation.ref}/close/").status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert staff_client.get("/inbox/C-NOPE/").status_code == 404


def test_a_cancel_request_is_one_decision_approved_once(owner_client, run_after_commit):
    # given an order paid by card, and its customer asking to cancel it
    from soloops.accounts.actors import Actor
    from soloops.payments.models import Refund
    from soloops.payments.services import payment_start

    order = place()
    payment_start(order=order, provider="sandbox", actor=Actor.system("test"),
                  card_number="4242 4242 4242 4242")  # fmt: skip
    order.refresh_from_db()
    assert order.status == "paid"
    conversation = open_conversation(body=f"Please cancel my order {order.number}, by mistake")
    run_after_commit()

    # when the owner opens it: the acknowledgement went out, and the decision is on the page
    page = owner_client.get(f"/inbox/{conversation.ref}/").content.decode()
    assert f"Cancel order {order.number} and refund" in page
    assert "it would change money or goods" in page

    # and she approves, twice (a double click)
    url = f"/inbox/{conversation.ref}/cancel-order/"
    owner_client.post(url)
    owner_client.post(url)

    # then the order is cancelled and refunded once, and the customer told once
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Refund.objects.filter(payment__order_id=order.pk).count() == 1
    bodies = [s.body_text for s in EmailSend.objects.filter(template="support_reply")]
    assert sum("is cancelled" in b for b in bodies) == 1
    assert sum("will confirm it" in b for b in bodies) == 1
    page = owner_client.get(f"/inbox/{conversation.ref}/").content.decode()
    assert "Approve: cancel and refund" not in page


def test_a_mails_attachments_are_listed_and_the_too_big_one_named(owner_client, settings):
    from email.message import EmailMessage

    from soloops.accounts.actors import Actor
    from soloops.support.services import conversation_receive_mail

    settings.SUPPORT_MAX_ATTACHMENT_BYTES = 1000
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "ada@example.com", "Photos"
    msg.set_content("The mug arrived broken")
    msg.add_attachment(b"x" * 500, maintype="image", subtype="png", filename="small.png")
    msg.add_attachment(b"x" * 5000, maintype="image", subtype="png", filename="big.png")
    message = conversation_receive_mail(raw=bytes(msg), actor=Actor.system("test"))

    page = owner_client.get(f"/inbox/{message.conversation.ref}/").content.decode()

    assert "small.png" in page
    assert "big.png (4.9\xa0KB) was too large to keep" in page


def test_the_inbox_figures_share_auto_resolved_and_first_response_times(owner_client):
    from datetime import timedelta

    from django.utils import timezone

    # given four conversations: one answered by SoloOps alone after 2 minutes, one by the
    # owner after 3 hours, one escalated after an automatic acknowledgement (10 minutes),
    # one not answered yet
    now = timezone.now()
    made = [open_conversation(email=f"c{i}@example.com") for i in range(4)]
    waits = [timedelta(minutes=2), timedelta(hours=3), timedelta(minutes=10), None]
    for conversation, wait in zip(made, waits, strict=True):
        if wait is not None:
            Conversation.objects.filter(pk=conversation.pk).update(
                created_at=now - timedelta(days=1),
                first_responded_at=now - timedelta(days=1) + wait,
            )
    for conversation in made[0], made[2]:
        conversation.messages.create(direction="out", author="SoloOps", body="…", automatic=True)
    Conversation.objects.filter(pk=made[2].pk).update(escalation_reason="changes_money_or_goods")

    html = owner_client.get("/inbox/").content.decode()

    # then: 4 conversations, 1 of 4 resolved alone, median 10 min, 90th percentile 3 h
    assert 'data-figure="conversations">4<' in html
    assert 'data-figure="auto-share">25 %<' in html
    assert 'data-figure="first-response-median">10 min<' in html
    assert 'data-figure="first-response-p90">3 h 0 min<' in html


def test_the_owner_corrects_an_intent_on_the_page(owner_client):
    conversation = open_conversation(body="Do you have a physical shop I can visit?")
    (message,) = conversation.messages.all()

    response = owner_client.post(
        f"/inbox/{conversation.ref}/messages/{message.pk}/intent/", {"intent": "product_question"}
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.corrected_intent == "product_question"
    page = owner_client.get(f"/inbox/{conversation.ref}/").content.decode()
    assert "Product question (corrected)" in page


def test_satisfaction_by_intent_is_shown(owner_client):
    from django.utils import timezone

    conversation = open_conversation(body="Do you have a physical shop I can visit?")
    for rating in ("good", "bad", "bad"):
        conversation.messages.create(direction="out", author="olivia", body="…", intent="other",
                                     rating=rating, rated_at=timezone.now())  # fmt: skip

    html = owner_client.get("/inbox/").content.decode()

    assert '<td>Other</td><td class="num">1</td><td class="num">2</td>' in html


def test_the_conversation_shows_on_its_orders_timeline(owner_client):
    order = place()
    open_conversation(body=f"Where is {order.number}?")

    page = owner_client.get(f"/orders/{order.number}/").content.decode()

    assert "Conversation started by ada@example.com" in page
