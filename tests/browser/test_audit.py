"""The audit log in a real browser: the owner finds who cancelled an order by filtering on
people, at laptop and phone widths, in English and Chinese."""

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.models import User
from soloops.accounts.services import user_create, user_set_language
from soloops.orders.services import order_cancel
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.dashboard.builders import place
from tests.factories import make_variant

PASSWORD = "correct horse battery staple 42"
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def shop(transactional_db):
    owner = user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )
    sam = user_create(
        username="sam",
        email="sam@example.com",
        password=PASSWORD,
        role="staff",
        actor=Actor.for_user(owner),
    )
    make_variant("MUG-1", stock=5)
    order = place("MUG-1")
    order_cancel(order=order, actor=Actor.for_user(sam), reason="Customer asked")
    return order


@pytest.mark.parametrize(
    ("viewport", "language", "name"),
    [
        (LAPTOP, "en", "en-1366"),
        (PHONE, "en", "en-390"),
        (LAPTOP, "zh-hans", "zh-1366"),
        (PHONE, "zh-hans", "zh-390"),
    ],
)
def test_the_owner_finds_who_cancelled_an_order(new_page, shop, viewport, language, name):
    # given the owner logged in, in her language
    owner = User.objects.get(username="olivia")
    user_set_language(user=owner, language=language, actor=Actor.for_user(owner))
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)

    # when she opens the audit log and filters on what sam did
    page.goto("/settings/audit/?kind=user&actor=sam")

    # then the cancellation is there, by sam, and nothing by anyone else
    rows = page.locator("table.audit tbody tr")
    assert rows.count() >= 1
    text = rows.all_inner_texts()
    assert any("sam" in row for row in text)
    assert all("olivia" not in row for row in text)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width} px wide"
    screenshot(page, f"audit-{name}")
