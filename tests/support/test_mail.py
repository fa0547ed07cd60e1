"""Customer mail in through the signed inbound-mail webhook: threading across three messages
by In-Reply-To/References, quoted history stripped, HTML sanitised, attachments within their
limit, robots never answered, the same mail twice stored once."""

import time
from email.message import EmailMessage

import pytest

from soloops.emails.models import EmailSend
from soloops.support.models import Attachment, Conversation, Message
from soloops.support.services import conversation_reply
from soloops.support.webhooks import sign
from tests.support.conftest import SYSTEM

URL = "/webhooks/support/email"


def mail(body="Hello", *, subject="Question", sender="Ada <ada@example.com>", html=None,
         **headers) -> bytes:  # fmt: skip
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "shop@example.com"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return bytes(msg)


def post(client, raw: bytes, signature: str | None = None):
    header = signature if signature is not None else sign(raw, _secret())
    return client.post(URL, raw, content_type="message/rfc822",
                       headers={"X-SoloOps-Signature": header})  # fmt: skip


def _secret() -> str:
    from django.conf import settings

    return settings.SUPPORT_INBOUND_SECRET


def test_three_messages_thread_into_one_conversation_without_quoted_history(client, shop):
    # given a customer's first mail
    first = post(client, mail("Where is my parcel?", Message_ID="<m1@example.com>"))
    assert first.status_code == 202, first.content
    conversation = Conversation.objects.get()
    assert conversation.channel == "email" and conversation.email == "ada@example.com"

    # when the shop answers and she replies to the answer, quoting it
    ours = conversation_reply(conversation=conversation, body="It left today.", actor=SYSTEM)
    quoted = "Thanks, and the invoice?\n\nOn Mon, 7 Dec 2026, Shop wrote:\n> It left today."
    post(client, mail(quoted, Message_ID="<m2@example.com>", In_Reply_To=ours.message_id,
                      References=f"<m1@example.com> {ours.message_id}"))  # fmt: skip
    # and a third mail that only lists the thread in References
    post(client, mail("One more thing", Message_ID="<m3@example.com>",
                      References="<m1@example.com> <m2@example.com>"))  # fmt: skip

    # then one conversation holds all four messages, each without the quoted history
    assert Conversation.objects.count() == 1
    inbound = [m.body for m in conversation.messages.filter(direction="in")]
    assert inbound == ["Where is my parcel?", "Thanks, and the invoice?", "One more thing"]


def test_the_same_mail_twice_is_one_message(client, shop):
    raw = mail("Hi", Message_ID="<same@example.com>")

    post(client, raw)
    post(client, raw)

    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=00", lambda raw: sign(raw, "wrong-secret"),
     lambda raw: sign(raw, _secret(), int(time.time()) - 3600)],
)  # fmt: skip
def test_an_unsigned_wrongly_signed_or_stale_post_is_refused(client, shop, signature):
    raw = mail("Hi")
    header = signature(raw) if callable(signature) else signature

    response = post(client, raw, header)

    assert response.status_code == 400
    assert response.json()["field"] == "X-SoloOps-Signature"
    assert Conversation.objects.count() == 0


def test_bytes_that_are_no_mail_are_a_422(client, shop):
    response = post(client, b"just some text without headers")

    assert response.status_code == 422
    assert response.json()["code"] == "not_a_mail"


def test_malicious_html_is_stripped(client, shop):
    html = ('<p onclick="steal()">Where is <b>my order</b>?</p><script>alert(1)</script>'
            '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>')  # fmt: skip
    post(client, mail("Where is my order?", html=html))

    message = Message.objects.get()
    assert "<b>my order</b>" in message.body_html
    for bad in ("script", "onclick", "onerror", "javascript:"):
        assert bad not in message.body_html


def test_an_attachment_too_big_is_left_out_and_named(client, shop, settings):
    settings.SUPPORT_MAX_ATTACHMENT_BYTES = 1000
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "ada@example.com", "Photos"
    msg.set_content("The mug arrived broken, photos attached")
    msg.add_attachment(b"x" * 500, maintype="image", subtype="png", filename="small.png")
    msg.add_attachment(b"x" * 5000, maintype="image", subtype="png", filename="big.png")

    post(client, bytes(msg))

    message = Message.objects.get()
    assert [a.filename for a in Attachment.objects.all()] == ["small.png"]
    assert message.attachments_refused == [{"filename": "big.png", "size": 5000, "limit": 1000}]


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"},
     {"sender": "MAILER-DAEMON@example.com"}, {"subject": "Out of office: back Monday"},
     {"X_Spam_Flag": "YES"}, {"X_Spam_Status": "Yes, score=12.3 required=5.0"}],
)  # fmt: skip
def test_robots_and_out_of_office_are_never_answered(client, shop, run_after_commit, headers):
    post(client, mail("Where is my order? I am away.", **headers))
    run_after_commit()

    assert Message.objects.get().handling == "ignore"
    assert EmailSend.objects.count() == 0


def test_a_chinese_mail(client, shop):
    post(client, mail("我的订单到哪里了？快递一直没有更新", subject="订单",  # noqa: RUF001
                      sender="李雷 <lilei@example.cn>"))  # fmt: skip

    conversation = Conversation.objects.get()
    assert conversation.language == "zh-hans"
    assert conversation.name == "李雷"
    assert conversation.intent == "order_status"
