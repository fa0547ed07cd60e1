"""Sales channels: Shopify and WooCommerce order webhooks through the real URL (signature,
dedupe on the delivery id, raw payload stored, order made on the worker through our intake),
unknown SKUs held and replayed, cancellations, the catch-up poll against a fake Shopify server."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from soloops.integrations.models.channels import ChannelDelivery, InboundStatus
from soloops.integrations.services import channels as services
from soloops.inventory.models import StockLevel
from soloops.orders.models import Order
from tests.factories import make_variant
from tests.integrations.conftest import SYSTEM

pytestmark = pytest.mark.django_db
SECRET = "shpss_test_secret"


def shopify_order(order_id=820982911946154508, sku="MUG-1", quantity=2, **extra) -> dict:
    return {
        "id": order_id,
        "email": "jon@example.com",
        "line_items": [{"sku": sku, "quantity": quantity, "title": "Mug"}],
        "shipping_address": {
            "first_name": "Jon", "last_name": "Snow", "address1": "1 Wall St",
            "city": "London", "zip": "N1 1AA", "country_code": "GB",
        },
        "cancelled_at": None,
        **extra,
    }  # fmt: skip


def sign(body: bytes, secret=SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post_shopify(channel, payload, *, webhook_id="wh-1", topic="orders/create", signature=None):
    body = json.dumps(payload).encode()
    return Client().post(
        f"/webhooks/channels/{channel.pk}",
        data=body,
        content_type="application/json",
        headers={
            "X-Shopify-Hmac-Sha256": signature or sign(body),
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Topic": topic,
        },
    )


@pytest.fixture
def shopify():
    make_variant("MUG-1", price="12.50", stock=10)
    return services.channel_create(name="My Shopify", kind="shopify", secret=SECRET, actor=SYSTEM)


def test_a_signed_shopify_order_becomes_our_order_with_stock_reserved(shopify, run_after_commit):
    # when Shopify posts a signed orders/create
    response = post_shopify(shopify, shopify_order())

    # then it is answered at once and stored raw, before any order exists
    assert response.status_code == 200 and response.json() == {"received": True, "duplicate": False}
    row = ChannelDelivery.objects.get()
    assert row.status == InboundStatus.RECEIVED and json.loads(row.payload)["id"]
    assert not Order.objects.exists()

    # when the worker runs, then the order went through intake: channel, review, reservation
    run_after_commit()
    order = Order.objects.get()
    assert order.channel == "shopify" and order.email == "jon@example.com"
    assert order.status == "accepted"
    assert StockLevel.objects.get(variant__sku="MUG-1").reserved == 2
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED and row.order_number == order.number
    assert row.external_order_id == "820982911946154508"


def test_a_duplicated_webhook_and_a_second_delivery_of_the_same_order_make_one_order(
    shopify, run_after_commit
):
    # when Shopify sends the same delivery twice, and the same order under another delivery id
    post_shopify(shopify, shopify_order())
    again = post_shopify(shopify, shopify_order())
    post_shopify(shopify, shopify_order(), webhook_id="wh-2", topic="orders/updated")
    run_after_commit()

    # then one order, the duplicate counted, the second delivery points at the same order
    assert again.json()["duplicate"] is True
    assert Order.objects.count() == 1
    first, second = ChannelDelivery.objects.order_by("pk")
    assert first.duplicates == 1
    assert second.status in (InboundStatus.PROCESSED, InboundStatus.IGNORED)
    assert StockLevel.objects.get(variant__sku="MUG-1").reserved == 2


def test_a_forged_signature_is_refused_and_logged_without_its_body(shopify, run_after_commit):
    response = post_shopify(shopify, shopify_order(), signature=sign(b"other body"))
    wrong_secret = post_shopify(
        shopify, shopify_order(), webhook_id="wh-9", signature=sign(b"{}", "not-the-secret")
    )
    run_after_commit()
    assert response.status_code == 401 and wrong_secret.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert not Order.objects.exists()
    rejected = ChannelDelivery.objects.filter(status=InboundStatus.REJECTED)
    assert rejected.count() == 2 and all(r.payload == "" for r in rejected)


def test_an_unknown_sku_holds_the_order_until_mapped_and_replayed(shopify, run_after_commit):
    # given a Shopify order for a SKU we call otherwise
    post_shopify(shopify, shopify_order(sku="SHOP-MUG"))
    run_after_commit()

    # then no order: the delivery is held, saying which SKU
    row = ChannelDelivery.objects.get()
    assert row.status == InboundStatus.HELD and "SHOP-MUG" in row.reason
    assert "unknown SKU" in row.reason
    assert not Order.objects.exists()

    # when the owner maps SHOP-MUG to MUG-1 and replays
    services.channel_update(channel=shopify, actor=SYSTEM, sku_map={"SHOP-MUG": "MUG-1"})
    services.channel_delivery_replay(delivery=row, actor=SYSTEM)
    run_after_commit()

    # then the order is in, once
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED
    assert Order.objects.get().lines.get().sku == "MUG-1"


def test_a_cancellation_on_shopify_cancels_our_order(shopify, run_after_commit):
    post_shopify(shopify, shopify_order())
    run_after_commit()
    post_shopify(
        shopify,
        shopify_order(cancelled_at="2026-12-06T10:00:00Z"),
        webhook_id="wh-c",
        topic="orders/cancelled",
    )
    run_after_commit()
    order = Order.objects.get()
    assert order.status == "cancelled"
    assert StockLevel.objects.get(variant__sku="MUG-1").reserved == 0


def test_woocommerce_signature_and_order(run_after_commit):
    make_variant("TEA-1", price="8.00", stock=5)
    woo = services.channel_create(name="Woo", kind="woocommerce", actor=SYSTEM)
    payload = {
        "id": 727,
        "status": "processing",
        "billing": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
                    "address_1": "2 Rue", "city": "Paris", "postcode": "75001", "country": "FR"},
        "shipping": {},
        "line_items": [{"sku": "TEA-1", "quantity": 1}],
    }  # fmt: skip
    body = json.dumps(payload).encode()
    headers = {
        "X-WC-Webhook-Signature": sign(body, woo.secret),
        "X-WC-Webhook-Delivery-ID": "17",
        "X-WC-Webhook-Topic": "order.created",
    }
    url = f"/webhooks/channels/{woo.pk}"
    forged = {**headers, "X-WC-Webhook-Signature": sign(body, "nope")}
    assert Client().post(url, body, "application/json", headers=forged).status_code == 401
    assert Client().post(url, body, "application/json", headers=headers).status_code == 200
    run_after_commit()
    order = Order.objects.get()
    assert order.channel == "woocommerce" and order.shipping_address["country"] == "FR"


# --- the catch-up poll ------------------------------------------------------------------------


class FakeShopify:
    """A small Shopify Admin API: GET /admin/api/<v>/orders.json with the access token."""

    def __init__(self, orders: list[dict], token: str) -> None:
        self.orders, self.token, self.calls = orders, token, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.calls.append(self.path)
                if self.headers.get("X-Shopify-Access-Token") != fake.token:
                    self.send_response(401)
                    self.end_headers()
                    return
                data = json.dumps({"orders": fake.orders}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_catch_up_poll_takes_in_orders_no_webhook_brought(shopify, run_after_commit):
    # given one order that came by webhook and one the webhook missed
    post_shopify(shopify, shopify_order(order_id=1))
    run_after_commit()
    fake = FakeShopify([shopify_order(order_id=1), shopify_order(order_id=2, quantity=1)], "tok")
    try:
        services.channel_update(channel=shopify, actor=SYSTEM, api_url=fake.url, api_token="tok")

        # when the poll runs (twice)
        first = services.channel_poll(channel=shopify, actor=SYSTEM)
        run_after_commit()
        second = services.channel_poll(channel=shopify, actor=SYSTEM)
        run_after_commit()
    finally:
        fake.close()

    # then the missed order is in, once; the one the webhook brought is not doubled
    assert first == {"seen": 2, "new": 1} and second == {"seen": 2, "new": 0}
    assert Order.objects.count() == 2
    assert "created_at_min" in fake.calls[1]  # the second poll asks only since the first
    assert StockLevel.objects.get(variant__sku="MUG-1").reserved == 3


def test_the_generic_signed_json_channel(run_after_commit):
    # given a generic channel (a marketplace bridge) and its documented body
    import time

    from soloops.integrations.webhooks.signing import sign as soloops_sign

    make_variant("TEA-1", price="8.00", stock=5)
    bridge = services.channel_create(name="Bridge", kind="generic", actor=SYSTEM)
    body = json.dumps({
        "id": "MKT-77", "email": "kim@example.com", "name": "Kim",
        "lines": [{"sku": "TEA-1", "quantity": 2}],
        "shipping_address": {"name": "Kim", "line1": "3 Rd", "city": "Oslo",
                             "postal_code": "0150", "country": "NO"},
    }).encode()  # fmt: skip
    url = f"/webhooks/channels/{bridge.pk}"

    def post(timestamp: int, delivery: str):
        signature = soloops_sign(secret=bridge.secret, body=body, timestamp=timestamp)
        headers = {"X-SoloOps-Signature": signature, "X-SoloOps-Delivery": delivery}
        return Client().post(url, body, "application/json", headers=headers)

    # when a stale signature (10 minutes old) and then a fresh one arrive
    stale = post(int(time.time()) - 600, "d-1")
    fresh = post(int(time.time()), "d-2")
    run_after_commit()

    # then the stale one is refused, the fresh one is our order on the generic channel
    assert stale.status_code == 401 and fresh.status_code == 200
    order = Order.objects.get()
    assert order.channel == "generic" and order.lines.get().quantity == 2


def test_a_cancellation_the_state_machine_refuses_is_said_on_the_orders_timeline(
    shopify, run_after_commit
):
    # given a Shopify order that is in, paid and being packed here
    from soloops.events.selectors import timeline_for
    from soloops.orders.services import order_mark_paid, order_start_fulfilling

    post_shopify(shopify, shopify_order())
    run_after_commit()
    order = Order.objects.get()
    order_start_fulfilling(order=order_mark_paid(order=order, actor=SYSTEM), actor=SYSTEM)

    # when Shopify says it was cancelled there
    post_shopify(
        shopify, shopify_order(cancelled_at="2026-12-06T10:00:00Z"), webhook_id="wh-c",
        topic="orders/cancelled",
    )  # fmt: skip
    run_after_commit()

    # then our order stays as it is, the delivery is held, and the order's timeline says why
    order.refresh_from_db()
    assert order.status == "fulfilling"
    held = ChannelDelivery.objects.get(delivery_id="wh-c")
    assert held.status == InboundStatus.HELD and "cannot be cancelled" in held.reason
    types = [e.type for e in timeline_for(subject_type="orders.order", subject_id=order.pk)]
    assert types[-1] == "channel.order_change_refused"


def test_channel_orders_get_the_shops_emails_unless_its_flow_says_otherwise(
    shopify, run_after_commit, default_flows
):
    # given the default flows: a Shopify order is confirmed by email like any other
    from soloops.automation.services import flow_import
    from soloops.emails.models import EmailSend

    post_shopify(shopify, shopify_order(order_id=1))
    run_after_commit()
    assert EmailSend.objects.filter(template="order_confirmation").count() == 1

    # when the owner lets Shopify email its own customers (the flow skips its orders)
    flow_import(
        source="""\
name: Email the order confirmation
trigger: {event: order.accepted}
if: "order.channel != 'shopify'"
steps:
  - do: email.order
    with:
      template: order_confirmation
      order: "{{ order.number }}"
      once_per: "{{ order.number }}"
""",
        key="email-order-confirmation",
        actor=SYSTEM,
    )
    post_shopify(shopify, shopify_order(order_id=2), webhook_id="wh-2")
    run_after_commit()

    # then the second Shopify order is in, and no second confirmation was queued
    assert Order.objects.count() == 2
    assert EmailSend.objects.filter(template="order_confirmation").count() == 1


def test_the_scheduler_hands_due_polls_to_a_worker(shopify, run_after_commit):
    # given a channel with its store's API set
    from datetime import timedelta

    from django.utils import timezone

    fake = FakeShopify([shopify_order(order_id=5)], "tok")
    try:
        services.channel_update(channel=shopify, actor=SYSTEM, api_url=fake.url, api_token="tok")
        shopify.refresh_from_db()
        assert shopify.next_poll_at is not None

        # when the scheduler ticks before and after the poll is due
        assert services.channels_poll_due(now=shopify.next_poll_at - timedelta(seconds=1)) == 0
        assert services.channels_poll_due(now=shopify.next_poll_at) == 1
        run_after_commit()
    finally:
        fake.close()

    # then a worker polled the store and the missed order is in; the next poll is later
    assert Order.objects.count() == 1
    shopify.refresh_from_db()
    assert shopify.next_poll_at > timezone.now()


def test_a_signed_body_that_is_not_json_is_a_400_and_nothing_is_stored(shopify):
    body = b"<xml>not json</xml>"
    response = Client().post(
        f"/webhooks/channels/{shopify.pk}",
        data=body,
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": sign(body), "X-Shopify-Webhook-Id": "wh-x"},
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_payload"
    assert not ChannelDelivery.objects.exists()


def test_an_unknown_channel_and_a_get_are_refused(shopify):
    assert (
        Client()
        .post("/webhooks/channels/999", data=b"{}", content_type="application/json")
        .status_code
        == 404
    )
    assert Client().get(f"/webhooks/channels/{shopify.pk}").status_code == 405


def test_a_signed_payload_that_is_no_order_is_logged_as_ignored(shopify, run_after_commit):
    post_shopify(shopify, {"id": 1, "note": "no lines"}, topic="orders/updated")
    run_after_commit()
    row = ChannelDelivery.objects.get()
    assert row.status == InboundStatus.IGNORED and "line_items" in row.reason
    assert not Order.objects.exists()
