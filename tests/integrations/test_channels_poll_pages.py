"""The catch-up poll reads every page the store has, not the first: Shopify's ``Link: <…>;
rel="next"`` cursor pages and WooCommerce's ``page=N`` up to ``X-WP-TotalPages``, against
small fake store APIs on 127.0.0.1. A next page on another host is refused (the token would
go with it)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from soloops.errors import InvalidInput
from soloops.integrations.channels import woocommerce
from soloops.integrations.services import channels as services
from soloops.orders.models import Order
from tests.factories import make_variant
from tests.integrations.conftest import SYSTEM

pytestmark = pytest.mark.django_db


ADDRESS = {"first_name": "Ann", "last_name": "Lee", "city": "Berlin", "country_code": "DE"}


def order(order_id: int, sku: str = "MUG-1") -> dict:
    return {
        "id": order_id,
        "email": f"c{order_id}@example.com",
        "status": "processing",
        "line_items": [{"sku": sku, "quantity": 1}],
        # Shopify's and WooCommerce's names for the address, both: one fake order for either.
        "shipping_address": ADDRESS | {"address1": "Hauptstr. 1", "zip": "10115"},
        "shipping": ADDRESS | {"address_1": "Hauptstr. 1", "postcode": "10115", "country": "DE"},
        "billing": {"email": f"c{order_id}@example.com"},
    }


class FakeStore:
    """Answers each GET with ``answer(path, query) -> (status, headers, body)``."""

    def __init__(self, answer) -> None:
        self.calls: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.calls.append(self.path)
                parts = urlsplit(self.path)
                status, headers, body = answer(parts.path, parse_qs(parts.query))
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
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


def shopify_pages(pages: list[list[dict]], *, next_host: str = ""):
    """Shopify's cursor pages: page_info names the page; Link names the next one."""

    def answer(path, query):
        index = int(query.get("page_info", ["0"])[0])
        headers = {}
        if index + 1 < len(pages):
            base = next_host or ""
            link = f"{base}{path}?limit=250&page_info={index + 1}"
            headers["Link"] = f'<{link}>; rel="next"'
            if index:
                headers["Link"] = (
                    f'<{path}?page_info={index - 1}>; rel="previous", ' + headers["Link"]
                )
        return 200, headers, {"orders": pages[index]}

    return answer


@pytest.fixture
def stock(db):
    make_variant("MUG-1", price="12.50", stock=1000)


def test_the_shopify_poll_follows_link_headers_to_the_last_page(stock, run_after_commit):
    # given a store with 3 pages of orders
    pages = [[order(i) for i in range(p * 3, p * 3 + 3)] for p in range(3)]
    fake = FakeStore(shopify_pages(pages))
    channel = services.channel_create(name="Shop", kind="shopify", secret="s", actor=SYSTEM)
    try:
        services.channel_update(channel=channel, actor=SYSTEM, api_url=fake.url, api_token="t")

        # when
        seen = services.channel_poll(channel=channel, actor=SYSTEM)
        run_after_commit()
    finally:
        fake.close()

    # then every page was read, each once, and every order is in
    assert seen == {"seen": 9, "new": 9}
    assert len(fake.calls) == 3
    assert [parse_qs(urlsplit(c).query).get("page_info") for c in fake.calls] == [
        None,
        ["1"],
        ["2"],
    ]
    assert Order.objects.count() == 9


def test_a_next_page_on_another_host_is_refused_naming_the_api_address(stock):
    fake = FakeStore(shopify_pages([[order(1)], [order(2)]], next_host="http://evil.example"))
    channel = services.channel_create(name="Shop", kind="shopify", secret="s", actor=SYSTEM)
    try:
        services.channel_update(channel=channel, actor=SYSTEM, api_url=fake.url, api_token="t")
        with pytest.raises(InvalidInput) as refused:
            services.channel_poll(channel=channel, actor=SYSTEM)
    finally:
        fake.close()
    assert refused.value.field == "api_url" and "another host" in refused.value.message
    assert len(fake.calls) == 1 and Order.objects.count() == 0


def test_the_woocommerce_poll_reads_every_page_up_to_the_total(
    stock, run_after_commit, monkeypatch
):
    # given 25 orders in pages of 10 (WooCommerce's page size is the client's choice; SoloOps
    # asks for 100, and 250 orders through the whole loop took minutes): pages of 10, 10 and 5
    monkeypatch.setattr(woocommerce, "PER_PAGE", 10)
    everything = [order(i) for i in range(1, 26)]

    def answer(path, query):
        assert path == "/wp-json/wc/v3/orders"
        page, per_page = int(query["page"][0]), int(query["per_page"][0])
        rows = everything[(page - 1) * per_page : page * per_page]
        return 200, {"X-WP-Total": "25", "X-WP-TotalPages": "3"}, rows

    fake = FakeStore(answer)
    channel = services.channel_create(name="Woo", kind="woocommerce", secret="s", actor=SYSTEM)
    try:
        services.channel_update(channel=channel, actor=SYSTEM, api_url=fake.url, api_token="k:s")
        seen = services.channel_poll(channel=channel, actor=SYSTEM)
        run_after_commit()
    finally:
        fake.close()

    assert seen == {"seen": 25, "new": 25}
    queries = [parse_qs(urlsplit(c).query) for c in fake.calls]
    assert [(q["page"], q["per_page"]) for q in queries] == [(["1"], ["10"]), (["2"], ["10"]),
                                                             (["3"], ["10"])]  # fmt: skip
    assert Order.objects.count() == 25
