"""The owner answers a customer in a real browser against a real ``soloops web``: the inbox,
the conversation with its order beside it, a reply edited and sent, then seen in the thread
and on the timeline. Screenshots at 1366 and 390 px, in English and Chinese."""

import pytest
from django.core.cache import cache

from soloops.accounts.actors import Actor
from soloops.emails.models import EmailSend
from soloops.support.services import conversation_answer
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.test_today import PASSWORD, make_owner
from tests.emails.conftest import shop  # noqa: F401  (fixture)
from tests.support.conftest import open_conversation, place

WIDE = {"width": 1366, "height": 900}
pytestmark = pytest.mark.usefixtures("shop")


def test_the_owner_edits_a_suggestion_sends_it_and_sees_it_on_the_timeline(new_page):
    # given a customer's question the policy handed to the owner with a suggested reply
    cache.clear()
    make_owner()
    order = place()
    conversation = open_conversation(
        subject="Mug question", body=f"Is the blue mug dishwasher safe? Order {order.number}"
    )
    message = conversation.messages.get()
    assert conversation_answer(message=message, actor=Actor.system("support")) == "owner"
    conversation.refresh_from_db()
    assert order.number in conversation.suggestion
    page = new_page(viewport=WIDE)
    log_in(page, "olivia", PASSWORD)

    # when the owner opens the inbox and the conversation
    page.goto("/inbox/")
    screenshot(page, "inbox-list-1366-en")
    page.get_by_role("link", name="Mug question").click()
    page.wait_for_url(f"**/inbox/{conversation.ref}/")
    assert order.number in page.locator("aside.conversation-order").inner_text()

    # the reply box holds the suggestion; she edits it and sends it
    box = page.get_by_label("Your reply")
    assert box.input_value() == conversation.suggestion
    box.fill("Yes, it is dishwasher safe. " + box.input_value())
    screenshot(page, "inbox-conversation-suggestion-1366-en")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_url(f"**/inbox/{conversation.ref}/")

    # then the thread and the timeline show it, and one email is queued with her words
    assert "Yes, it is dishwasher safe." in page.locator("ol.messages").inner_text()
    assert "Reply emailed by olivia" in page.locator("ol.timeline").inner_text()
    (send,) = EmailSend.objects.filter(template="support_reply")
    assert send.body_text.count("Yes, it is dishwasher safe.") == 1
    screenshot(page, "inbox-conversation-1366-en")


def test_the_inbox_on_a_phone_in_chinese(new_page):
    cache.clear()
    owner = make_owner()
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    order = place()
    conversation = open_conversation(
        subject="订单在哪里", body=f"{order.number} 到哪了", language="zh"
    )
    for viewport, width in ((PHONE, 390), (WIDE, 1366)):
        page = new_page(viewport=viewport)
        log_in(page, "olivia", PASSWORD)
        page.goto("/inbox/")
        assert "收件箱" in page.locator("h1").inner_text()
        screenshot(page, f"inbox-list-{width}-zh")
        page.goto(f"/inbox/{conversation.ref}/")
        # nothing scrolls sideways on the phone
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
        screenshot(page, f"inbox-conversation-{width}-zh")
