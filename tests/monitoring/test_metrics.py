"""/metrics: Prometheus text of the request counters and the database figures, served to
loopback, to the configured scrape addresses and to API tokens only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soloops.accounts.services import token_create, user_create
from soloops.monitoring.services import heartbeat_beat
from soloops.orders.services import order_place
from tests.factories import SYSTEM, draft, make_variant


def sample(text: str, name: str, **labels) -> float | None:
    """The value of one series in Prometheus text, or None when it is absent."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if found == {k: str(v) for k, v in labels.items()}:
            return float(value)
    return None


def place(n: int, *, sku: str = "MUG-1") -> None:
    for i in range(n):
        order_place(draft=draft((sku, 1), email=f"c{i}@example.com"), channel="api", actor=SYSTEM)


def test_metrics_count_orders_revenue_and_business_events(client, db):
    # given two orders accepted through the API channel
    make_variant("MUG-1", stock=10)
    place(2)

    # when
    response = client.get("/metrics")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert sample(text, "soloops_orders", channel="api", status="accepted") == 2
    assert sample(text, "soloops_business_events_total", type="order.placed") == 2
    assert sample(text, "soloops_business_events_total", type="order.accepted") == 2
    assert sample(text, "soloops_business_events_total", type="payment.failed") == 0
    assert sample(text, "soloops_skus_out_of_stock") == 0
    assert sample(text, "soloops_emails", status="gave_up") == 0
    assert sample(text, "soloops_database_size_bytes") > 0
    assert sample(text, "soloops_metrics_source_errors", source="business") == 0


def test_metrics_count_requests_by_route_pattern_not_path(client, db):
    # given
    before = client.get("/metrics").content.decode()
    start = (
        sample(before, "soloops_http_requests_total", route="/healthz", method="GET", status="200")
        or 0
    )

    # when
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page/42")
    text = client.get("/metrics").content.decode()

    # then
    assert (
        sample(text, "soloops_http_requests_total", route="/healthz", method="GET", status="200")
        == start + 3
    )
    assert (
        sample(text, "soloops_http_request_duration_seconds_count", route="/healthz", method="GET")
        >= 3
    )
    assert "no-such-page" not in text


def test_heartbeat_age_and_processes_alive(client, db):
    # given
    heartbeat_beat(process_id="worker-x", role="worker", started_at=timezone.now())

    # when
    text = client.get("/metrics").content.decode()

    # then
    assert sample(text, "soloops_processes_alive", role="worker") == 1
    assert sample(text, "soloops_processes_alive", role="scheduler") == 0
    assert 0 <= sample(text, "soloops_heartbeat_age_seconds", role="worker") < 30
    assert sample(text, "soloops_heartbeat_age_seconds", role="scheduler") is None


def test_an_undispatched_event_shows_as_backlog_and_lag(client, db):
    # given an order whose events are not dispatched (no worker in this test)
    make_variant("MUG-1", stock=10)
    place(1)

    # when
    text = client.get("/metrics").content.decode()

    # then
    assert sample(text, "soloops_events_undispatched") >= 2
    assert sample(text, "soloops_event_dispatch_lag_seconds") >= 0
    assert sample(text, "soloops_tasks_queued") >= 0
    assert sample(text, "soloops_flow_runs", status="completed") is None  # no run yet


def test_a_scrape_costs_the_same_queries_for_1_or_20_orders(client, db, django_assert_num_queries):
    # given
    make_variant("MUG-1", stock=100)
    make_variant("TEA-1", stock=100)
    place(1)
    client.get("/metrics")  # warm: the first request of a process loads the URLconf
    with CaptureQueriesContext(connection) as first:
        client.get("/metrics")
    place(19, sku="TEA-1")

    # when
    with django_assert_num_queries(len(first)):
        response = client.get("/metrics")

    # then
    assert response.status_code == 200


@pytest.fixture
def reader_token(db) -> str:
    user = user_create(
        username="prom",
        email="p@example.com",
        password="a long enough pass 42",
        role="viewer",
        actor=SYSTEM,
    )
    return token_create(user=user, name="prometheus", scope="read", actor=SYSTEM).secret


def test_a_remote_address_needs_a_token(client, db, reader_token):
    # when
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    wrong = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": "Bearer sot_nope"}
    )
    allowed = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": f"Bearer {reader_token}"}
    )

    # then
    assert refused.status_code == 401
    assert refused.json()["code"] == "metrics_forbidden"
    assert "soloops_orders" not in refused.content.decode()
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    assert b"soloops_database_size_bytes" in allowed.content


def test_a_request_through_a_proxy_on_loopback_is_not_loopback(client, db):
    # when a public reverse proxy on this machine forwards a visitor's request
    response = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})

    # then
    assert response.status_code == 401


def test_configured_scrape_addresses_need_no_token(client, db, settings):
    # given
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "192.0.2.5"]

    # when
    inside = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    single = client.get("/metrics", REMOTE_ADDR="192.0.2.5")
    outside = client.get("/metrics", REMOTE_ADDR="10.2.0.1")

    # then
    assert inside.status_code == 200
    assert single.status_code == 200
    assert outside.status_code == 401
