"""The emails API: owner-edited templates with a preview, the list of sends, resend."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.automation.models import Event
from soloops.emails.models import EmailSend, EmailTemplate
from soloops.emails.services import email_send
from tests.emails.conftest import make_token, queue

BROKEN_HTML = "<p>Hello {{ customer.name }}</p>\n<p>Your order</p>\n{% if order.number %}\n<p>"


@pytest.fixture
def owner(db) -> dict[str, str]:
    return make_token("olivia")


@pytest.fixture
def staff(db) -> dict[str, str]:
    return make_token("sam", role="staff")


@pytest.fixture
def viewer(db) -> dict[str, str]:
    return make_token("vic", role="viewer", scope="read")


def put(client, headers, path, body):
    return client.put(path, data=json.dumps(body), content_type="application/json", headers=headers)


def post(client, headers, path, body=None, **extra_headers):
    return client.post(
        path,
        data=json.dumps(body or {}),
        content_type="application/json",
        headers={**headers, **extra_headers},
    )


def assert_error(response, status: int, code: str, field: str | None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field", "extra"}
    assert body["code"] == code, body
    assert body["field"] == field, body
    return body


def test_templates_list_every_template_in_both_languages(client, viewer):
    # when
    response = client.get("/api/email-templates", headers=viewer)

    # then
    assert response.status_code == 200
    items = response.json()
    keys = {(t["key"], t["language"]) for t in items}
    for key in ("order_confirmation", "order_shipped", "owner_notification", "purchase_order"):
        assert {(key, "en"), (key, "zh-hans")} <= keys
    confirmation = next(
        t for t in items if (t["key"], t["language"]) == ("order_confirmation", "zh-hans")
    )
    assert confirmation["customized"] is False
    assert confirmation["marketing"] is False
    assert "{{ order.number }}" in confirmation["subject"]
    assert "感谢" in confirmation["body_text"]


def test_the_owner_saves_a_template_and_it_is_used(client, owner):
    # when
    response = put(
        client,
        owner,
        "/api/email-templates/owner_notification/en",
        {
            "subject": "FYI: {{ subject }}",
            "body_text": "{{ body }}",
            "body_html": "<b>{{ body }}</b>",
        },
    )

    # then
    assert response.status_code == 200, response.content
    assert response.json()["customized"] is True
    assert response.json()["subject"] == "FYI: {{ subject }}"
    assert queue().subject_line == "FYI: Stock is low"
    listed = client.get("/api/email-templates", headers=owner).json()
    assert next(t for t in listed if (t["key"], t["language"]) == ("owner_notification", "en"))[
        "customized"
    ]
    assert Event.objects.filter(type="email_template.updated").count() == 1


def test_a_syntax_error_is_a_422_naming_the_part_and_line_and_saves_nothing(client, owner):
    # when
    response = put(
        client,
        owner,
        "/api/email-templates/order_confirmation/en",
        {"subject": "Order {{ order.number }}", "body_text": "Thanks", "body_html": BROKEN_HTML},
    )

    # then
    body = assert_error(response, 422, "template_syntax", "body_html")
    assert body["extra"]["line"] == 3
    assert "line 3" in body["message"]
    assert "endif" in body["message"]
    assert EmailTemplate.objects.count() == 0
    assert not Event.objects.filter(type__startswith="email_template").exists()


def test_an_unknown_tag_in_the_subject_names_the_subject(client, owner):
    # when
    response = put(
        client,
        owner,
        "/api/email-templates/order_confirmation/en",
        {"subject": "{% debug %}", "body_text": "Thanks", "body_html": ""},
    )

    # then
    body = assert_error(response, 422, "template_syntax", "subject")
    assert body["extra"]["line"] == 1


def test_only_the_owner_edits_templates(client, staff, viewer):
    body = {"subject": "s", "body_text": "t", "body_html": ""}
    path = "/api/email-templates/owner_notification/en"

    assert_error(put(client, staff, path, body), 403, "owner_only", None)
    assert_error(put(client, viewer, path, body), 403, "read_only", None)
    assert_error(client.delete(path, headers=staff), 403, "owner_only", None)
    assert EmailTemplate.objects.count() == 0


def test_an_unknown_template_or_language_is_404(client, owner):
    body = {"subject": "s", "body_text": "t", "body_html": ""}
    assert_error(put(client, owner, "/api/email-templates/nope/en", body), 404, "not_found", None)
    assert_error(
        put(client, owner, "/api/email-templates/order_paid/fr", body), 404, "not_found", None
    )


def test_reset_goes_back_to_the_default(client, owner):
    # given
    path = "/api/email-templates/owner_notification/en"
    put(client, owner, path, {"subject": "mine", "body_text": "mine", "body_html": ""})

    # when
    response = client.delete(path, headers=owner)

    # then
    assert response.status_code == 200
    assert response.json()["customized"] is False
    assert response.json()["subject"] != "mine"
    assert EmailTemplate.objects.count() == 0


def test_preview_renders_the_template_in_force_against_sample_data(client, owner, staff):
    # when
    response = post(client, owner, "/api/email-templates/order_shipped/zh-hans/preview")
    by_staff = post(client, staff, "/api/email-templates/order_shipped/zh-hans/preview")

    # then
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["subject"] == "订单 SO-2026-7K3QXM2A 已发货"
    assert "运单号：JD014600003828" in preview["text"]  # noqa: RUF001 (the email's own punctuation)
    assert 'href="https://www.dhl.com/track?id=JD014600003828"' in preview["html"]
    assert_error(by_staff, 403, "owner_only", None)  # part of the owner's template editor


def test_preview_renders_a_draft_with_given_data_and_saves_nothing(client, owner):
    # when
    response = post(
        client,
        owner,
        "/api/email-templates/order_confirmation/en/preview",
        {
            "subject": "Hi {{ customer.name }}, order {{ order.number }}",
            "body_html": "<p>{{ customer.name }}</p>",
            "context": {"customer": {"name": "<Bob>"}},
        },
    )

    # then the draft's parts, the default text, the given data, escaped in HTML only
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["subject"] == "Hi <Bob>, order SO-2026-7K3QXM2A"
    assert preview["html"] == "<p>&lt;Bob&gt;</p>"
    assert "Hello <Bob>," in preview["text"]
    assert EmailTemplate.objects.count() == 0


def test_preview_of_a_broken_draft_names_the_line(client, owner):
    # when
    response = post(
        client,
        owner,
        "/api/email-templates/order_confirmation/en/preview",
        {"body_text": "line one\n{{ order.number|no_such_filter }}"},
    )

    # then
    body = assert_error(response, 422, "template_syntax", "body_text")
    assert body["extra"]["line"] == 2


def test_emails_list_filters_by_status_and_subject_and_pages(client, viewer):
    # given three emails about two orders, one of them sent
    a = queue(idempotency_key="a", subject=("orders.order", "1"))
    queue(idempotency_key="b", subject=("orders.order", "1"))
    queue(idempotency_key="c", subject=("orders.order", "2"))
    email_send(send_id=a.pk)

    # when
    about_1 = client.get(
        "/api/emails",
        {"subject_type": "orders.order", "subject_id": "1", "page_size": 1},
        headers=viewer,
    ).json()
    sent = client.get("/api/emails", {"status": "sent"}, headers=viewer).json()

    # then
    assert about_1["count"] == 2
    assert about_1["pages"] == 2
    assert len(about_1["items"]) == 1
    assert about_1["items"][0]["subject_id"] == "1"
    assert [i["id"] for i in sent["items"]] == [a.pk]
    assert sent["items"][0]["status"] == "sent"
    assert sent["items"][0]["subject"] == "[My Shop] Stock is low"
    assert "body_text" not in sent["items"][0]


def test_emails_list_rejects_an_unknown_status(client, viewer):
    response = client.get("/api/emails", {"status": "lost"}, headers=viewer)
    assert_error(response, 422, "invalid_input", "status")


def test_emails_list_costs_the_same_queries_for_3_or_30_emails(
    client, viewer, django_assert_num_queries
):
    # given
    for i in range(3):
        queue(idempotency_key=f"few:{i}")
    client.get("/api/emails", headers=viewer)  # the token's first use records itself
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/emails", headers=viewer).json()["items"]) == 3
    for i in range(27):
        queue(idempotency_key=f"many:{i}")

    # when / then: the token, the count, the page (and nothing per row)
    assert len(few) <= 3
    with django_assert_num_queries(len(few)):
        assert len(client.get("/api/emails", headers=viewer).json()["items"]) == 30


def test_one_email_shows_its_bodies(client, viewer):
    # given
    send = queue(attachments=[("note.txt", "hello", "text/plain")])

    # when
    detail = client.get(f"/api/emails/{send.pk}", headers=viewer).json()

    # then
    assert detail["body_text"].startswith("MUG-1 has 2 left.")
    assert detail["attachments"] == [{"filename": "note.txt", "mimetype": "text/plain"}]
    assert_error(client.get("/api/emails/999999", headers=viewer), 404, "not_found", None)


def test_resend_creates_a_second_send(client, staff, viewer):
    # given a sent email
    send = queue()
    email_send(send_id=send.pk)

    # when staff resends it, twice with one Idempotency-Key
    first = post(client, staff, f"/api/emails/{send.pk}/resend", **{"Idempotency-Key": "x1"})
    again = post(client, staff, f"/api/emails/{send.pk}/resend", **{"Idempotency-Key": "x1"})

    # then one new send; a viewer may not resend
    assert first.status_code == 201, first.content
    assert first.json()["resend_of"] == send.pk
    assert first.json()["status"] == "queued"
    assert again.json()["id"] == first.json()["id"]
    assert EmailSend.objects.count() == 2
    assert_error(post(client, viewer, f"/api/emails/{send.pk}/resend"), 403, "read_only", None)


def test_an_email_still_queued_is_not_resent(client, staff):
    send = queue()
    response = post(client, staff, f"/api/emails/{send.pk}/resend")
    assert_error(response, 409, "not_resendable", "status")
    assert EmailSend.objects.count() == 1
