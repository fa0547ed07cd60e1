"""The owner finds a customer by an order number, reads their page and keeps a note, in a
real browser, at desktop and phone widths, in English and Chinese (screenshots for people)."""

import pytest
from django.core.cache import cache

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.customers.models import Customer
from soloops.customers.services import customer_stats_refresh, customer_tag
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.customers.conftest import open_shop, place

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")
WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def customers(transactional_db):
    cache.clear()
    open_shop()
    user_create(
        username="olivia", email="olivia@example.com", password=PASSWORD, role="owner",
        actor=SYSTEM,
    )  # fmt: skip
    order = place("ada@example.com", ("MUG-1", 2))
    place("ada@example.com", ("TEA-1", 1))
    for i in range(5):
        place(f"buyer{i}@example.com", ("TEA-1", i + 1))
    customer_stats_refresh()
    ada = Customer.objects.get(email="ada@example.com")
    customer_tag(customer=ada, tag="vip", actor=SYSTEM)
    return ada, order


@pytest.mark.parametrize(("viewport", "language"), [(WIDE, "en"), (PHONE, "zh-hans")])
def test_the_owner_finds_a_customer_by_order_number_and_keeps_a_note(
    customers, new_page, viewport, language
):
    ada, order = customers
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)
    if page.locator("#language").input_value() != language:
        with page.expect_navigation():
            page.select_option("#language", language)
    width = "phone" if viewport is PHONE else "wide"

    # when she searches the customers for the order number
    page.goto("/customers/")
    screenshot(page, f"customers-list-{width}-{language}")
    page.locator("input[name=q]").fill(order.number)
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url(lambda url: "q=" in url)

    # then Ada alone is listed, and her page shows the order, her totals and her tag
    rows = page.locator("table.customers tbody tr")
    assert rows.count() == 1
    rows.first.get_by_role("link").click()
    page.wait_for_url(f"**/customers/{ada.pk}/")
    assert page.locator(f"a[href='/orders/{order.number}/']").is_visible()
    assert page.locator(".badge.tag", has_text="vip").first.is_visible()

    # when she keeps a note
    page.locator("textarea[name=note-text]").fill("Prefers gift wrap")
    page.locator("textarea[name=note-text]").press("Tab")
    with page.expect_navigation():
        page.locator("form[action$='/note/'] button[type=submit]").click()

    # then it is on the page, and on her timeline
    assert page.locator(".customer-notes").get_by_text("Prefers gift wrap").is_visible()
    assert ada.notes.get().text == "Prefers gift wrap"
    screenshot(page, f"customer-page-{width}-{language}")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= viewport["width"]
