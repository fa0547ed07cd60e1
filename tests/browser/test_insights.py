"""Insights in a real browser, English and Chinese, desktop and phone: the KPI table and the
daily figures fit the width (no sideways scroll) and the window can be changed."""

import pytest
from django.core.cache import cache

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.orders.services import order_cancel
from tests.analytics.conftest import SYSTEM, dispatch_pending, place, shop  # noqa: F401
from tests.analytics.test_kpis import finish
from tests.browser.conftest import PHONE, log_in, screenshot

PASSWORD = "correct horse battery staple 42"
WIDE = {"width": 1366, "height": 900}
TITLE = {"en": "Insights", "zh-hans": "洞察"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_insights_at_desktop_and_phone_widths(shop, new_page, language):  # noqa: F811
    # (the shop first: its time zone, Shanghai, is the web process's too)
    # given an owner reading in her language, and a week of orders
    cache.clear()
    owner = user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )
    owner.language = language
    owner.save(update_fields=["language"])
    for hours in (6, 30, 54, 80):
        finish(place([("MUG-1", 2)]), placed_hours_ago=hours)
    order_cancel(order=place([("CAP-1", 1)]), actor=SYSTEM, reason="customer asked")
    place([("TEE-1", 1)], days_ago=3)
    dispatch_pending()

    for name, viewport in [("1366", WIDE), ("390", PHONE)]:
        page = new_page(viewport=viewport)
        log_in(page, "olivia", PASSWORD)

        # when she opens Insights and picks the last 7 days
        page.goto("/insights/")
        assert page.get_by_role("heading", level=1).inner_text() == TITLE[language]
        page.locator("#id_days").select_option("7")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_url("**/insights/?days=7")

        # then the completion rate shows its interval, and nothing scrolls sideways
        row = page.locator('[data-kpi="completion_rate"]')
        assert "80 %" in row.inner_text()  # 4 completed of 5 decided
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"Insights scrolls sideways at {name}"
        screenshot(page, f"insights-{name}-{language}")
