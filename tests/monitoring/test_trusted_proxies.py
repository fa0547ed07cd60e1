"""Behind a trusted reverse proxy the client's own address counts (intake's risk rules, rate
limits, /metrics); from anyone else X-Forwarded-For is ignored."""

import json

import pytest

from soloops.accounts.services import token_create, user_create
from soloops.orders.models import Order
from tests.factories import ADDRESS, SYSTEM, make_variant

PROXY = "10.0.0.7"


@pytest.fixture
def token(db) -> str:
    user = user_create(
        username="sam",
        email="s@example.com",
        password="a long enough pass 42",
        role="staff",
        actor=SYSTEM,
    )
    return token_create(user=user, name="t", scope="write", actor=SYSTEM).secret


def place(client, token, *, peer: str, forwarded: str | None, email: str) -> Order:
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    body = {
        "email": email,
        "name": "Ada",
        "lines": [{"sku": "MUG-1", "quantity": 1}],
        "shipping_address": ADDRESS,
    }
    response = client.post(
        "/api/orders",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=peer,
    )
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def test_the_client_behind_a_trusted_proxy_is_the_nearest_untrusted_hop(client, token, settings):
    # given
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    make_variant("MUG-1", stock=10)

    # when the client forged a first entry; our two proxies added theirs
    order = place(
        client, token, peer=PROXY, forwarded="1.2.3.4, 203.0.113.5, 10.0.0.3", email="a@example.com"
    )

    # then
    assert order.client_ip == "203.0.113.5"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(client, token, settings):
    # given
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    make_variant("MUG-1", stock=10)

    # when
    order = place(
        client, token, peer="198.51.100.9", forwarded="203.0.113.5", email="b@example.com"
    )

    # then
    assert order.client_ip == "198.51.100.9"


def test_without_trusted_proxies_the_peer_counts(client, token, settings):
    settings.TRUSTED_PROXIES = []
    make_variant("MUG-1", stock=10)

    order = place(client, token, peer=PROXY, forwarded="203.0.113.5", email="c@example.com")

    assert order.client_ip == PROXY


def test_metrics_through_a_trusted_proxy_checks_the_scraper_address(client, db, settings):
    # given
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.METRICS_ALLOWED_IPS = ["192.0.2.10"]

    # when
    allowed = client.get("/metrics", REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "192.0.2.10"})
    refused = client.get("/metrics", REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "192.0.2.11"})

    # then
    assert allowed.status_code == 200
    assert refused.status_code == 401


def test_hsts_through_a_trusted_tls_proxy_only(client, db, settings):
    # given secure cookies (the shop is served over TLS at the proxy)
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.SECURE_HSTS_SECONDS = 31536000
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}

    # when
    proxied = client.get("/healthz", REMOTE_ADDR=PROXY, headers=tls)
    forged = client.get("/healthz", REMOTE_ADDR="198.51.100.9", headers=tls)

    # then
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in forged
