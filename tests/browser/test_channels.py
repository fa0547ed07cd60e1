"""Settings → Sales channels in a real browser, with a real web server and worker: the owner
connects a WooCommerce store, the store's signed webhook for an unknown SKU arrives over HTTP
and is held with the reason, the owner maps the SKU, replays, and the order is in. Screenshots
in English and Chinese, desktop and phone."""

import base64
import hashlib
import hmac
import json
import urllib.request

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.integrations.models.channels import ChannelDelivery, SalesChannel
from soloops.orders.models import Order
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.conftest import wait_until
from tests.factories import make_variant

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")
DESKTOP = {"width": 1366, "height": 900}

pytestmark = pytest.mark.processes


def _woo_post(url: str, secret: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Signature": signature.decode(),
            "X-WC-Webhook-Delivery-ID": "501",
            "X-WC-Webhook-Topic": "order.created",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status


def test_the_owner_connects_a_store_and_fixes_a_held_order(new_page, processes, web_server):
    # given the owner, a product and a worker
    user_create(username="olivia", email="o@example.com", password=PASSWORD, role="owner",
                actor=SYSTEM)  # fmt: skip
    make_variant("TEA-1", price="8.00", stock=5)
    processes.start("worker")
    page = new_page(viewport=DESKTOP)
    log_in(page, "olivia", PASSWORD)

    # when she connects a WooCommerce store
    page.goto("/settings/channels/")
    page.get_by_label("Name").fill("Tea shop")
    page.get_by_label("Platform").select_option("woocommerce")
    page.get_by_role("button", name="Connect").click()

    # then the address and secret are shown once
    secret = page.get_by_label("Webhook secret").input_value()
    address = page.get_by_label("Webhook address").input_value()
    assert address.endswith(f"/webhooks/channels/{SalesChannel.objects.get().pk}")
    screenshot(page, "channel-created")
    page.get_by_role("link", name="Done: to the channel and its deliveries").click()

    # when the store sends an order for its own SKU name
    payload = {
        "id": 4242, "status": "processing", "line_items": [{"sku": "WOO-TEA", "quantity": 1}],
        "billing": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
                    "address_1": "2 Rue", "city": "Paris", "postcode": "75001", "country": "FR"},
    }  # fmt: skip
    path = address.split("/webhooks/", 1)[1]
    assert _woo_post(f"{web_server}/webhooks/{path}", secret, payload) == 200
    wait_until(lambda: ChannelDelivery.objects.filter(status="held").exists(), timeout=60)

    # then the log says it is held, and why
    page.reload()
    assert "WOO-TEA" in page.locator("main").inner_text()
    screenshot(page, "channel-held")

    # when she maps the SKU and replays
    page.get_by_label("SKU mapping").fill("WOO-TEA = TEA-1")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Replay").click()
    wait_until(lambda: Order.objects.exists(), timeout=60)

    # then the order is in, linked from the log
    page.reload()
    number = Order.objects.get().number
    assert page.get_by_role("link", name=number).is_visible()
    screenshot(page, "channel-processed")
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        other = new_page(viewport=viewport)
        log_in(other, "olivia", PASSWORD)
        other.goto(f"/settings/channels/{SalesChannel.objects.get().pk}/")
        screenshot(other, f"channel-log-{name}")

    # and in Chinese
    zh = user_create(username="lihua", email="l@example.cn", password=PASSWORD, role="owner",
                     actor=SYSTEM)  # fmt: skip
    zh.language = "zh-hans"
    zh.save(update_fields=["language"])
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        other = new_page(viewport=viewport)
        log_in(other, "lihua", PASSWORD)
        other.goto(f"/settings/channels/{SalesChannel.objects.get().pk}/")
        assert other.get_by_role("link", name=number).is_visible()
        screenshot(other, f"channel-log-zh-{name}")
