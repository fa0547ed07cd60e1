"""The Alerts page in a real browser: an open alert, acknowledged by a click; at desktop and
phone width, in English and Chinese, nothing scrolls sideways."""

import pytest
from django.utils import timezone

from soloops.accounts.models import User
from soloops.accounts.services import user_create, user_set_language
from soloops.monitoring.models import Alert
from soloops.monitoring.services import alerts_evaluate, heartbeat_beat
from soloops.shop.services import shop_profile_update
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import SYSTEM

PASSWORD = "correct horse battery staple 42"
WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def firing(transactional_db):
    user_create(
        username="olivia", email="o@example.com", password=PASSWORD, role="owner", actor=SYSTEM
    )
    heartbeat_beat(process_id="scheduler-1", role="scheduler", started_at=timezone.now())
    alerts_evaluate()
    return Alert.objects.get(key="process_silent:worker")


@pytest.mark.parametrize(
    ("viewport", "locale", "name"),
    [(WIDE, "en", "alerts-1366-en"), (PHONE, "zh-hans", "alerts-390-zh")],
)
def test_acknowledge_an_alert_from_the_page(new_page, firing, viewport, locale, name):
    # given
    if locale == "zh-hans":  # the owner reads Chinese (the login page is English)
        user_set_language(
            user=User.objects.get(username="olivia"), language="zh-hans", actor=SYSTEM
        )
        shop_profile_update(language="zh-hans", actor=SYSTEM)
        alerts_evaluate()  # the open alert's title, now in the shop's language
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)
    page.goto("/alerts/")
    row = page.locator('[data-alert="process_silent:worker"]')
    assert row.is_visible()
    firing.refresh_from_db()
    assert firing.title in row.inner_text()
    if locale == "zh-hans":
        assert "任务进程" in firing.title
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width} px wide"
    screenshot(page, name)

    # when
    row.locator("form").first.locator("button").click()
    page.wait_for_load_state()

    # then
    firing.refresh_from_db()
    assert firing.status == "acknowledged"
    screenshot(page, f"{name}-acknowledged")
