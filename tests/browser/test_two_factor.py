"""Two-factor in a real browser: the owner reads the key off the set-up page, confirms a first
code, keeps her recovery codes, logs out and back in with a code from the app; the set-up page
at 1366 and 390 px, in English and Chinese."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from tests.browser.conftest import PHONE, screenshot

PASSWORD = "correct horse battery staple 42"
LAPTOP = {"width": 1366, "height": 900}


def password_step(page) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill("olivia")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()


@pytest.mark.parametrize(
    ("viewport", "language", "name"),
    [
        (LAPTOP, "en", "en-1366"),
        (PHONE, "zh-hans", "zh-390"),
        (PHONE, "en", "en-390"),
        (LAPTOP, "zh-hans", "zh-1366"),
    ],
)
def test_the_owner_turns_two_factor_on_and_logs_in_with_a_code(
    new_page, transactional_db, viewport, language, name
):
    # given an owner who reads the console in her language
    owner = user_create(
        username="olivia",
        email="o@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )
    owner.language = language
    owner.save(update_fields=["language"])
    page = new_page(viewport=viewport)
    password_step(page)
    page.wait_for_url(lambda url: "/login/" not in url)

    # when she sets up two-factor
    page.goto("/settings/two-factor/")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("figure.qr svg")).to_be_visible()  # waits for the page the form opens
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width} px wide"
    screenshot(page, f"two-factor-setup-{name}")
    app = pyotp.TOTP(page.locator("[data-secret]").inner_text().replace(" ", ""))
    page.locator("input[name=code]").fill(app.now())
    page.locator("form.card button[type=submit]").click()

    # then she sees ten recovery codes
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)  # waits for the page
    screenshot(page, f"two-factor-codes-{name}")

    # when she logs out and in again: password, then the app's next code
    page.locator("header form button").click()
    password_step(page)
    page.wait_for_url("**/login/code/")
    page.locator("input[name=code]").fill(app.at(time.time() + app.interval))
    page.locator("form.card button[type=submit]").click()

    # then she is in the console
    page.wait_for_url(lambda url: "/login/" not in url)
    assert "olivia" in page.locator("header").inner_text()
