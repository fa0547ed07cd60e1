"""Settings → Support replies in a real browser: the owner rewrites a reply, previews it on a
sample order and saves it; at desktop and phone width, in English and Chinese, nothing
scrolls sideways."""

import pytest

from soloops.accounts.models import User
from soloops.accounts.services import user_create, user_set_language
from soloops.support import classifier
from soloops.support.models import ReplyText
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import SYSTEM

PASSWORD = "correct horse battery staple 42"
WIDE = {"width": 1366, "height": 900}

pytestmark = pytest.mark.processes


@pytest.mark.parametrize(
    ("viewport", "locale", "name"),
    [(WIDE, "en", "support-replies-1366-en"), (PHONE, "zh-hans", "support-replies-390-zh")],
)
def test_the_owner_previews_and_saves_a_reply(transactional_db, new_page, viewport, locale, name):
    # given the owner, reading English or Chinese
    owner = user_create(username="olivia", email="o@example.com", password=PASSWORD,
                        role="owner", actor=SYSTEM)  # fmt: skip
    if locale == "zh-hans":
        user_set_language(user=User.objects.get(pk=owner.pk), language="zh-hans", actor=SYSTEM)
    classifier.model()  # trained into var/ (as at install), which the web process reads
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)
    page.goto("/settings/support/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the list is {width} px wide"
    screenshot(page, f"{name}-list")

    # when she opens the invoice reply, rewrites it and previews it
    page.goto(f"/settings/support/invoice/{locale}/")
    page.locator("textarea[name=text]").fill("Hi {name}, the invoice for {number}: {url}")
    page.locator("button[name=preview]").click()
    page.wait_for_load_state()

    # then the preview shows it filled from a sample order, and nothing is saved yet
    assert "Hi Ada Lovelace, the invoice for SO-2026-7K3QXM2A" in page.inner_text("main")
    assert not ReplyText.objects.exists()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the edit page is {width} px wide"
    screenshot(page, f"{name}-edit")

    # when she saves it
    page.locator("form.narrow button[type=submit]:not([name])").first.click()
    page.wait_for_load_state()

    # then it is hers
    saved = ReplyText.objects.get(key="invoice", language=locale)
    assert saved.text == "Hi {name}, the invoice for {number}: {url}"
