"""Settings → Webhooks in a real browser with a real worker: the owner subscribes a local
receiver, copies the secret shown once, sends a test, and the receiver verifies the signature
with that secret; a paused webhook shows on Today. Screenshots in English and Chinese, desktop
and phone."""

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.integrations.models.webhooks import WebhookDelivery, WebhookSubscription
from soloops.integrations.services.webhooks import webhook_subscription_pause
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.conftest import wait_until
from tests.integrations.conftest import Receiver, verify_soloops_signature

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")

pytestmark = pytest.mark.processes


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_the_owner_subscribes_a_receiver_and_sends_a_test(new_page, processes, receiver):
    # given the owner and a worker
    user_create(username="olivia", email="o@example.com", password=PASSWORD, role="owner",
                actor=SYSTEM)  # fmt: skip
    processes.start("worker")
    page = new_page(viewport={"width": 1366, "height": 900})
    log_in(page, "olivia", PASSWORD)

    # when she subscribes the receiver to order and test events
    page.goto("/settings/webhooks/")
    page.get_by_label("Name").fill("Accounting sync")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Event types").fill("order.*, test.*")
    page.get_by_role("button", name="Subscribe").click()

    # then the secret is shown once
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    screenshot(page, "webhook-created")
    page.get_by_role("link", name="Done: to the webhook and its deliveries").click()
    assert secret not in page.content()

    # when she sends a test
    page.get_by_role("button", name="Send a test").click()

    # then the receiver gets it, signed with that secret, and the log says delivered
    wait_until(receiver.arrived.is_set, timeout=60, what="the test to reach the receiver")
    request = receiver.requests[0]
    assert verify_soloops_signature(
        secret, request["body"], request["headers"]["x-soloops-signature"]
    )
    wait_until(lambda: WebhookDelivery.objects.filter(status="delivered").exists(), timeout=60)
    page.reload()
    assert page.locator("td .badge.delivered").count() == 1
    screenshot(page, "webhook-log")
    page.locator("td a", has_text="webhook.test").click()
    assert page.get_by_text("Idempotency key").is_visible()
    screenshot(page, "webhook-delivery")

    # when the webhook is paused (say after failures), then Today says so
    sub = WebhookSubscription.objects.get()
    webhook_subscription_pause(subscription=sub, actor=SYSTEM, reason="15 failed attempts in a row")
    page.goto("/")
    assert page.locator("[data-alert=webhook-paused]").is_visible()
    screenshot(page, "webhook-paused-today")

    # and on a phone, in Chinese
    zh = user_create(username="lihua", email="l@example.cn", password=PASSWORD, role="owner",
                     actor=SYSTEM)  # fmt: skip
    zh.language = "zh-hans"
    zh.save(update_fields=["language"])
    for viewport, name in ((None, "desktop"), (PHONE, "phone")):
        phone = new_page(viewport=viewport or {"width": 1366, "height": 900})
        log_in(phone, "lihua", PASSWORD)
        phone.goto(f"/settings/webhooks/{sub.pk}/")
        assert phone.get_by_role("button", name="恢复").is_visible()
        screenshot(phone, f"webhook-log-zh-{name}")
        phone.goto("/settings/webhooks/")
        screenshot(phone, f"webhooks-zh-{name}")
    small = new_page(viewport=PHONE)
    log_in(small, "olivia", PASSWORD)
    small.goto(f"/settings/webhooks/{sub.pk}/")
    screenshot(small, "webhook-log-phone")
