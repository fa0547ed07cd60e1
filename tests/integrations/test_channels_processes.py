"""A Shopify order webhook through a real ``soloops web`` (gunicorn) and a real worker: the
web process answers once it stored the body; the worker makes the order; a repeated delivery
makes nothing more."""

import json
import urllib.error
import urllib.request

import pytest

from soloops.integrations.models.channels import ChannelDelivery, InboundStatus
from soloops.integrations.services import channels as services
from soloops.orders.models import Order
from tests.conftest import wait_until
from tests.factories import make_variant
from tests.integrations.conftest import SYSTEM
from tests.integrations.test_channels import SECRET, shopify_order, sign

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_shopify_webhook_through_the_web_process_becomes_one_order(processes, web_server):
    # given a channel, stock and a worker
    make_variant("MUG-1", price="12.50", stock=10)
    channel = services.channel_create(name="Shop", kind="shopify", secret=SECRET, actor=SYSTEM)
    worker = processes.start("worker")
    body = json.dumps(shopify_order()).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": sign(body),
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Topic": "orders/create",
    }
    url = f"{web_server}/webhooks/channels/{channel.pk}"

    # when Shopify posts it, a forged copy arrives, and Shopify retries the same delivery
    assert _post(url, body, headers) == 200
    assert _post(url, body, {**headers, "X-Shopify-Hmac-Sha256": sign(b"x")}) == 401
    assert _post(url, body, headers) == 200

    # then the worker made one order from it
    wait_until(
        lambda: ChannelDelivery.objects.filter(status=InboundStatus.PROCESSED).exists(),
        timeout=60,
        what=lambda: processes.log(worker),
    )
    order = Order.objects.get()
    assert order.channel == "shopify"
    delivery = ChannelDelivery.objects.get(status=InboundStatus.PROCESSED)
    assert delivery.duplicates == 1 and delivery.order_number == order.number
