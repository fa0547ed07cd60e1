"""The support API through HTTP: a question in, the inbox list paged without N+1, one
conversation with its timeline, the customer's next message, the reply exactly once, closing."""

import pytest

from soloops.emails.models import EmailSend
from soloops.support.models import Conversation
from tests.api.conftest import assert_error
from tests.support.conftest import open_conversation


def test_a_question_posted_links_the_order_it_names(owner_api, order):
    # when another program posts a customer's question naming the order
    response = owner_api.post(
        "/api/conversations",
        {"email": "Ada@example.com", "body": "Can I still change the colour?",
         "order_number": order.number.lower(), "subject": "Colour"},
    )  # fmt: skip

    # then it is a conversation about that order, chosen by the caller
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"].endswith(f"/conversations/{data['ref']}")
    assert data["order_number"] == order.number
    assert data["order_link"] == "given"
    assert data["channel"] == "api"
    assert [m["body"] for m in data["messages"]] == ["Can I still change the colour?"]
    assert [e["type"] for e in data["timeline"]] == ["conversation.opened", "conversation.received"]


def test_an_order_of_another_address_is_refused_by_field(owner_api, order):
    response = owner_api.post(
        "/api/conversations",
        {"email": "eve@example.com", "body": "Where is it?", "order_number": order.number},
    )

    assert_error(response, 422, "unknown_order", "order_number")
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"body": "Hi"}, "email"), ({"email": "ada@example.com"}, "body"),
     ({"email": "ada@example.com", "body": ""}, "body"),
     ({"email": "ada@example.com", "body": "Hi", "colour": "red"}, "colour")],
)  # fmt: skip
def test_bad_input_is_a_422_naming_the_field(owner_api, shop, body, field):
    assert_error(owner_api.post("/api/conversations", body), 422, field=field)
    assert Conversation.objects.count() == 0


def test_the_inbox_lists_unanswered_first_in_pages_with_a_fixed_number_of_queries(
    owner_api, order, django_assert_num_queries
):
    # given five conversations, two of them answered
    refs = [open_conversation(body=f"Question {i}").ref for i in range(5)]
    for ref in refs[-2:]:
        owner_api.post(f"/api/conversations/{ref}/replies", {"body": "Done."})

    # when the first page of two is read, then every page
    with django_assert_num_queries(2):  # count, page (the token is kept in the process)
        first = owner_api.get("/api/conversations", limit=2).json()
    everything = owner_api.get("/api/conversations", limit=200).json()

    # then unanswered come first, and the page says there is more
    assert first["has_more"] is True and first["count"] == 5
    assert [c["status"] for c in everything["items"]] == ["open"] * 3 + ["answered"] * 2
    assert everything["items"][0]["order_number"] == order.number
    waiting = owner_api.get("/api/conversations", status="open").json()
    assert {c["ref"] for c in waiting["items"]} == set(refs[:3])


def test_the_customers_next_message_and_the_reply_exactly_once(owner_api, order):
    ref = open_conversation(body="Where is my order?").ref

    message = owner_api.post(f"/api/conversations/{ref}/messages", {"body": "Any news?"})
    reply = owner_api.call(
        "POST", f"/api/conversations/{ref}/replies", {"body": "It ships today."},
    )  # fmt: skip
    headers = {**owner_api.headers, "Idempotency-Key": "reply-1"}
    once = owner_api.client.post(f"/api/conversations/{ref}/replies", {"body": "Tomorrow."},
                                 content_type="application/json", headers=headers)  # fmt: skip
    twice = owner_api.client.post(f"/api/conversations/{ref}/replies", {"body": "Tomorrow."},
                                  content_type="application/json", headers=headers)  # fmt: skip

    assert message.status_code == 201 and message.json()["direction"] == "in"
    assert reply.status_code == 201 and reply.json()["direction"] == "out"
    assert once.json()["id"] == twice.json()["id"]
    assert EmailSend.objects.filter(template="support_reply").count() == 2
    detail = owner_api.get(f"/api/conversations/{ref}").json()
    assert detail["message_count"] == 4
    assert detail["status"] == "answered"


def test_close_and_unknown_conversation(owner_api, order):
    ref = open_conversation().ref

    closed = owner_api.post(f"/api/conversations/{ref}/close")
    again = owner_api.post(f"/api/conversations/{ref}/close")

    assert closed.json()["status"] == "closed"
    assert_error(again, 409, "conversation_closed")
    assert_error(owner_api.get("/api/conversations/C-NOPE"), 404)


def test_a_viewer_reads_but_does_not_reply(caller, order):
    ref = open_conversation().ref

    assert caller("viewer").get(f"/api/conversations/{ref}").status_code == 200
    assert_error(caller("viewer").post(f"/api/conversations/{ref}/replies", {"body": "x"}), 403)


def test_the_owner_corrects_an_intent_through_the_api(owner_api, order):
    ref = open_conversation(body="Do you have a physical shop I can visit?").ref
    message_id = owner_api.get(f"/api/conversations/{ref}").json()["messages"][0]["id"]

    corrected = owner_api.put(
        f"/api/conversations/{ref}/messages/{message_id}/intent", {"intent": "product_question"}
    )
    unknown = owner_api.put(
        f"/api/conversations/{ref}/messages/{message_id}/intent", {"intent": "weather"}
    )
    missing = owner_api.put(f"/api/conversations/{ref}/messages/999999/intent", {"intent": "other"})

    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["corrected_intent"] == "product_question"
    assert_error(unknown, 422, field="intent")
    assert_error(missing, 404)
