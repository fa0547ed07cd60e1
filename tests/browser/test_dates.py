"""Dates and money in a real browser: a euro shop read on a US-set computer shows the shop's
one date format, in English and in Chinese, and the date filter takes it (not the browser's
mm/dd/yyyy)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.formatting import date_display
from soloops.orders.models import Order
from soloops.orders.services import LineDraft, OrderDraft, order_accept, order_place
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import ADDRESS, make_variant

PASSWORD = "correct horse battery staple 42"
DESKTOP_WIDE = {"width": 1366, "height": 900}
AMERICAN = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|[ap]\.m\.")

DAY = {"en": r"\d{1,2} [A-Z][a-z]{2} \d{4}", "zh-hans": r"\d{4}年\d{1,2}月\d{1,2}日"}

SECTIONS = {
    "today": "/",
    "decisions": "/decisions/",
    "flows": "/flows/",
    "flow": "/flows/reorder-low-stock/",
    "tokens": "/settings/tokens/",
    "settings": "/settings/",
}

pytestmark = pytest.mark.processes


@pytest.fixture
def shop(transactional_db, default_flows):
    """Two orders from the storefront, one placed ten days ago; an owner; the shop's currency
    is EUR (the settings' default)."""
    storefront = Actor.system("storefront")
    make_variant("POT-1", price="667.59", stock=10)
    owner = user_create(
        username="olivia", email="", password=PASSWORD, role="owner", actor=storefront
    )
    orders = []
    for email in ("ada@example.com", "li@example.cn"):
        draft = OrderDraft(email=email, name="Ada", shipping_address=ADDRESS,
                           lines=[LineDraft(sku="POT-1", quantity=1)])  # fmt: skip
        orders.append(order_place(draft=draft, channel="storefront", actor=storefront)[0])
    order_accept(order=orders[0], actor=Actor.for_user(owner), note="")
    old = timezone.now() - timedelta(days=10)
    Order.objects.filter(pk=orders[1].pk).update(placed_at=old)
    return {"owner": owner, "orders": orders, "old": old}


@pytest.mark.parametrize(
    ("language", "placed", "until"),
    [("en", "Placed from", "Placed to"), ("zh-hans", "下单日期起", "下单日期止")],
)
def test_dates_read_the_shops_way_and_the_filter_takes_them(
    shop, new_page, language, placed, until
):
    # given an owner on a computer set to US English, reading the console in her language
    owner = shop["owner"]
    owner.language = language
    owner.save(update_fields=["language"])
    page = new_page(viewport=DESKTOP_WIDE, locale="en-US")
    log_in(page, "olivia", PASSWORD)

    # when she opens the orders list
    page.goto("/orders/")

    # then each order's date reads the language's one way, never 12/06/2026 or "p.m."
    table = page.locator("table").first.inner_text()
    assert not AMERICAN.search(table), table
    day_pattern = (
        r"\d{1,2} [A-Z][a-z]{2} \d{4}" if language == "en" else r"\d{4}年\d{1,2}月\d{1,2}日"
    )
    assert len(re.findall(day_pattern + r",? \d{2}:\d{2}", table)) == 2, table
    assert "€667.59" in table

    # when she filters on the day the old order was placed, typed as the field shows it
    field = page.get_by_label(placed)
    example = field.get_attribute("placeholder")
    assert re.fullmatch(day_pattern, example), example
    with translation.override(language):
        old_day = date_display(shop["old"])  # the shop's day, in the shop's time zone (UTC)
    field.fill(old_day)
    page.get_by_label(until).fill(old_day)
    page.get_by_label(until).press("Enter")
    page.wait_for_url(re.compile(r"placed_from="))

    # then only that order is listed, and the field still reads the same way
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert shop["orders"][1].number in rows.first.inner_text()
    assert page.get_by_label(placed).input_value() == old_day
    screenshot(page, f"dates-orders-{language}-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, f"dates-orders-{language}-390")

    # and the order page shows the review's reason with money the same way as the totals
    page.set_viewport_size(DESKTOP_WIDE)
    page.goto(f"/orders/{shop['orders'][0].number}/")
    body = page.locator("main").inner_text()
    assert not AMERICAN.search(body), body
    assert "667.59 EUR" not in body
    assert "€667.59" in body and "€500.00" in body
    screenshot(page, f"dates-order-{language}-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, f"dates-order-{language}-390")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_section_reads_dates_the_shops_way(shop, new_page, language):
    # given an owner on a US-set computer, reading the console in her language
    owner = shop["owner"]
    owner.language = language
    owner.save(update_fields=["language"])
    page = new_page(viewport=DESKTOP_WIDE, locale="en-US")
    log_in(page, "olivia", PASSWORD)

    for name, path in SECTIONS.items():
        # when she opens each section, on a laptop and on a phone
        for width, viewport in (("1366", DESKTOP_WIDE), ("390", PHONE)):
            page.set_viewport_size(viewport)
            page.goto(path)
            # then no date reads the American way, and in Chinese the flows' names are Chinese
            text = page.locator("main").inner_text()
            assert not AMERICAN.search(text), (path, text)
            screenshot(page, f"dates-{name}-{language}-{width}")
        if language == "zh-hans" and name == "flows":
            assert "低库存时补货" in text and "Reorder low stock" not in text
