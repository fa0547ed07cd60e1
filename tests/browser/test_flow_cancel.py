"""Cancelling a run from its page: the owner sees at once that it is being cancelled (its
undo steps run in a worker), then that it is cancelled, with each undo as a step of its own;
in English and Chinese, at desktop and phone widths."""

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.automation.models import RunStatus
from soloops.automation.services import flow_import
from soloops.automation.services.runs import flow_run_start_manual
from tests.browser.conftest import PHONE, screenshot

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")
WIDE = {"width": 1366, "height": 900}
RESERVED = """\
name: Reserve and wait
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: reserve}
    compensate: {do: probe.write, with: {name: release}}
  - wait_for: {event: probe.shipped, timeout: 7d}
"""
WORDS = {
    "en-GB": ("Cancel the run", "Cancelling", "Cancelled", "being undone"),
    "zh-CN": ("取消运行", "正在取消", "已取消", "正在从最新的开始依次撤销"),
}


def log_in(page, username: str, password: str) -> None:
    """As conftest's, by field name, so it works in every language."""
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_owner_cancels_a_run_and_sees_it_cancelling_then_cancelled(new_page, run_tasks, locale):
    # given a run that reserved and now waits
    user_create(
        username="olivia", email="o@example.com", password=PASSWORD, role="owner", actor=SYSTEM
    )
    flow = flow_import(source=RESERVED, actor=SYSTEM)
    run = flow_run_start_manual(flow=flow, inputs={}, actor=SYSTEM)
    run_tasks()
    button, cancelling, cancelled, message = WORDS[locale]
    page = new_page(viewport=WIDE, locale=locale)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/runs/{run.pk}/")

    # when the owner cancels it
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=button).click()

    # then the page says it is being cancelled, and why nothing is undone yet
    heading = page.locator("h1 .badge")
    assert heading.inner_text() == cancelling
    assert message in page.locator("body").inner_text()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLING
    screenshot(page, f"run-cancelling-desktop-{locale}")
    phone = new_page(viewport=PHONE, locale=locale)
    log_in(phone, "olivia", PASSWORD)
    phone.goto(f"/runs/{run.pk}/")
    assert phone.locator("h1 .badge").inner_text() == cancelling
    screenshot(phone, f"run-cancelling-phone-{locale}")

    # when a worker has run the undo step
    run_tasks()
    page.reload()

    # then the run is cancelled and its undo is listed as a step
    assert page.locator("h1 .badge").inner_text() == cancelled
    assert page.locator('.run-steps [title="steps[0].compensate"]').count() == 1
    screenshot(page, f"run-cancelled-desktop-{locale}")
    phone.reload()
    screenshot(phone, f"run-cancelled-phone-{locale}")
