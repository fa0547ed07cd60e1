"""Complaints and bounces in through the signed feedback webhook: an ARF complaint about a real
campaign email (recipient blanked, as providers do), a DSN bounce, the JSON shape; each
suppresses once with its event, and a forged, stale or unsigned body changes nothing."""

import json
import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from soloops.events.models import Event
from soloops.marketing.models import Suppression
from soloops.marketing.services import marketing_block_reason_for, suppression_add
from soloops.marketing.webhooks import sign
from tests.api.conftest import assert_error
from tests.marketing.conftest import SYSTEM
from tests.marketing.test_campaigns import audience, created  # noqa: F401  (a fixture)

URL = "/webhooks/marketing/feedback"


def post(client, body: bytes, content_type: str, signature: str | None = None):
    header = sign(body, settings.MARKETING_FEEDBACK_SECRET) if signature is None else signature
    return client.post(URL, body, content_type=content_type,
                       headers={"X-SoloOps-Signature": header})  # fmt: skip


def post_json(client, data, signature: str | None = None):
    return post(client, json.dumps(data).encode(), "application/json", signature)


def report(parts: list[tuple[str, bytes]], kind: str) -> bytes:
    """A multipart/report as a mailbox provider sends it."""
    head = ("From: fbl@mail.example.net\r\nTo: postmaster@shop.example.com\r\n"
            "Subject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
            f'report-type={kind}; boundary="b0undary"\r\n\r\n')  # fmt: skip
    body = head.encode()
    for content_type, content in parts:
        body += f"--b0undary\r\nContent-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
    return body + b"--b0undary--\r\n"


def arf(original: bytes, feedback_type: str = "abuse", rcpt: str = "") -> bytes:
    fields = f"Feedback-Type: {feedback_type}\r\nUser-Agent: ExampleFBL/1.0\r\nVersion: 1\r\n"
    fields += f"Original-Rcpt-To: {rcpt}\r\n" if rcpt else ""
    return report(
        [("text/plain", b"This is an email abuse report."),
         ("message/feedback-report", fields.encode()),
         ("message/rfc822", original)],
        "feedback-report",
    )  # fmt: skip


def dsn(recipient: str, status: str, original_headers: bytes) -> bytes:
    action = "failed" if status.startswith("5") else "delayed"
    fields = (f"Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\n"
              f"Action: {action}\r\nStatus: {status}\r\n")  # fmt: skip
    return report(
        [("text/plain", b"Delivery failed."),
         ("message/delivery-status", fields.encode()),
         ("text/rfc822-headers", original_headers)],
        "delivery-status",
    )  # fmt: skip


def suppressed_events() -> list[dict]:
    return list(Event.objects.filter(type="marketing.suppressed").values_list("payload", flat=True))


@pytest.fixture
def sent(caller, audience, run_after_commit):  # noqa: F811
    """A campaign sent to the audience: {address: the email as transmitted}."""
    owner = caller("owner")
    campaign = created(owner)
    assert owner.post(f"/api/campaigns/{campaign['id']}/schedule", {}).status_code == 200
    run_after_commit()
    return campaign["id"], {m.to[0]: m.message() for m in mail.outbox}


def test_an_arf_complaint_suppresses_the_address_of_the_campaign_email_once(client, sent, caller):
    # given Ada's campaign email as her provider quotes it, her address blanked in the report
    campaign_id, messages = sent
    body = arf(messages["ada@example.com"].as_bytes(), rcpt="")

    # when the provider's complaint is posted twice
    first = post(client, body, "multipart/report")
    again = post(client, body, "multipart/report")

    # then she is suppressed for a complaint about that campaign, with one event
    assert first.status_code == 202, first.content
    assert first.json()["suppressed"] == [
        {"email": "ada@example.com", "reason": "complained", "campaign_id": campaign_id}
    ]
    assert again.status_code == 202 and again.json() == first.json()
    assert suppressed_events() == [
        {"email": "ada@example.com", "reason": "complained", "campaign_id": campaign_id}
    ]
    assert marketing_block_reason_for("ada@example.com") == "suppressed (complained)"
    assert marketing_block_reason_for("cy@example.com") == ""
    # and the campaign's results count the complaint among the three delivered
    results = caller("viewer").get(f"/api/campaigns/{campaign_id}").json()["results"]
    assert results["complained"]["count"] == 1 and results["complained"]["rate"] == 1 / 3


def test_a_not_spam_report_and_a_delayed_delivery_suppress_no_one(client, sent):
    _campaign_id, messages = sent
    not_spam = arf(messages["ada@example.com"].as_bytes(), "not-spam", "ada@example.com")
    headers = messages["cy@example.com"].as_bytes().split(b"\n\n")[0]

    for body in (not_spam, dsn("cy@example.com", "4.2.2", headers)):
        response = post(client, body, "multipart/report")
        assert response.status_code == 202 and response.json()["suppressed"] == []

    assert not Suppression.objects.exists()


def test_a_dsn_bounce_suppresses_the_recipient_with_its_campaign(client, sent):
    # given the headers of Cy's campaign email, returned by his server as a hard bounce
    campaign_id, messages = sent
    headers = messages["cy@example.com"].as_bytes().split(b"\n\n")[0]

    # when
    response = post(client, dsn("cy@example.com", "5.1.1", headers), "multipart/report")

    # then
    assert response.status_code == 202, response.content
    row = Suppression.objects.get()
    assert (row.email, row.reason, row.campaign_id) == ("cy@example.com", "bounced", campaign_id)


def test_json_reports_find_the_campaign_by_message_id_and_outrank_an_unsubscribe(
    client, sent, caller
):
    # given Bo unsubscribed earlier
    campaign_id, messages = sent
    with transaction.atomic():
        suppression_add(email="bo@example.com", reason="unsubscribed", actor=SYSTEM)

    # when the mail service reports a bounce by Message-ID and Bo's complaint
    message_id = messages["ada@example.com"]["Message-ID"]
    response = post_json(client, [
        {"type": "bounce", "email": "Ada@Example.com", "message_id": message_id},
        {"type": "complaint", "email": "bo@example.com"},
    ])  # fmt: skip

    # then Ada bounced from the campaign; Bo's unsubscribe became a complaint, with its event
    assert response.status_code == 202, response.content
    rows = {r.email: (r.reason, r.campaign_id) for r in Suppression.objects.all()}
    assert rows == {
        "ada@example.com": ("bounced", campaign_id),
        "bo@example.com": ("complained", None),
    }
    assert [e["reason"] for e in suppressed_events()] == ["unsubscribed", "bounced", "complained"]

    # and opting in again does not lift a complaint (it lifts only an unsubscribe)
    bo = caller("owner").get("/api/customers", q="bo@example.com").json()["items"][0]
    caller("owner").put(f"/api/customers/{bo['id']}/consent", {"consent": False})
    caller("owner").put(f"/api/customers/{bo['id']}/consent", {"consent": True})
    assert Suppression.objects.get(email="bo@example.com").reason == "complained"


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=00", lambda body: sign(body, "wrong-secret"),
     lambda body: sign(body, settings.MARKETING_FEEDBACK_SECRET, int(time.time()) - 3600)],
)  # fmt: skip
def test_a_forged_or_stale_signature_is_a_400_and_changes_nothing(client, db, signature):
    body = json.dumps({"type": "complaint", "email": "ada@example.com"}).encode()
    header = signature(body) if callable(signature) else signature

    response = post(client, body, "application/json", header)

    assert_error(response, 400, "invalid_signature", "X-SoloOps-Signature")
    assert not Suppression.objects.exists()


def test_a_bad_report_is_a_422_naming_the_field_and_changes_nothing(client, db):
    ok = {"type": "complaint", "email": "ada@example.com"}

    assert_error(post_json(client, [ok, {**ok, "type": "spam"}]), 422, "invalid_report", "[1].type")
    assert_error(post_json(client, {**ok, "email": "nobody"}), 422, "invalid_report", "email")
    assert_error(post(client, b"{not json", "application/json"), 422, "invalid_report", "body")
    assert_error(post(client, b"Subject: hi\r\n\r\nhello", "message/rfc822"), 422,
                 "invalid_report", "body")  # fmt: skip
    assert client.get(URL).status_code == 405
    assert not Suppression.objects.exists()
