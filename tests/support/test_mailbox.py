"""The shop's mailbox polled over real IMAP (imapclient against a small IMAP server on
loopback): unseen mails become conversations, each flagged seen after it is stored, a second
poll reads nothing new, and a thread continues across polls."""

from email.message import EmailMessage

import pytest

from soloops.support.models import Conversation, Message
from soloops.support.services import mailbox_poll
from tests.conftest import free_port
from tests.support.imap_server import ImapServer, Mailbox


def mail(body: str, message_id: str, sender: str = "ada@example.com", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = sender, "Parcel", message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


@pytest.fixture
def mailbox(settings):
    box = Mailbox()
    server = ImapServer(free_port(), box).start()
    settings.SUPPORT_IMAP_HOST = "127.0.0.1"
    settings.SUPPORT_IMAP_PORT = server.server_address[1]
    settings.SUPPORT_IMAP_SSL = False
    settings.SUPPORT_IMAP_USER, settings.SUPPORT_IMAP_PASSWORD = box.user, box.password
    settings.SUPPORT_IMAP_FOLDER = box.folder
    yield box
    server.stop()


def test_unseen_mails_become_conversations_and_are_flagged_seen(mailbox, shop):
    # given two customers' mails and one already read by the owner
    mailbox.deliver(mail("Where is my parcel?", "<a1@example.com>"))
    mailbox.deliver(mail("你们有实体店吗", "<b1@example.cn>", sender="lilei@example.cn"))
    mailbox.deliver(mail("old", "<old@example.com>"))
    mailbox.mails[2].seen = True

    # when SoloOps polls
    result = mailbox_poll()

    # then the two unseen mails are conversations, and flagged seen on the server
    assert (result.fetched, result.received) == (2, 2)
    assert sorted(Conversation.objects.values_list("email", flat=True)) == [
        "ada@example.com", "lilei@example.cn"
    ]  # fmt: skip
    assert all(m.seen for m in mailbox.mails)
    assert "UID FETCH" in mailbox.commands and "UID STORE" in mailbox.commands

    # when it polls again: nothing new
    assert mailbox_poll().fetched == 0
    assert Message.objects.count() == 2


def test_a_reply_in_a_later_poll_joins_its_conversation_and_a_refetch_is_not_doubled(mailbox, shop):
    mailbox.deliver(mail("Where is my parcel?", "<a1@example.com>"))
    mailbox_poll()
    mailbox.deliver(mail("Still nothing", "<a2@example.com>", In_Reply_To="<a1@example.com>"))
    mailbox.mails[0].seen = False  # as if the flag was lost in a crash

    mailbox_poll()

    (conversation,) = Conversation.objects.all()
    assert [m.body for m in conversation.messages.all()] == [
        "Where is my parcel?", "Still nothing"
    ]  # fmt: skip


def test_wrong_credentials_fail_loudly(mailbox, shop, settings):
    from imapclient.exceptions import LoginError

    settings.SUPPORT_IMAP_PASSWORD = "wrong"

    with pytest.raises(LoginError):
        mailbox_poll()
    assert Conversation.objects.count() == 0
