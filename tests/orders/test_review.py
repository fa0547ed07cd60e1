"""Automatic review at intake, seen as the owner sees it (GET /api/orders/{number}), and the
processing figures computed from orders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.inventory.models import Reservation
from soloops.orders import services
from soloops.orders.models import Order, OrderStatus
from soloops.orders.selectors import processing_stats
from tests.factories import ADDRESS, SYSTEM, draft
from tests.orders.conftest import body, events_of, reserved, set_policy

OTHER_IP = "203.0.113.9"


def reason_codes(data: dict) -> list[str]:
    return [r["code"] for r in data["review"]["reasons"]]


def test_a_first_order_over_the_limit_is_held_with_its_reason(api, shop):
    # given the default policy: first orders over 500 score 40, and 40 holds
    # when 20 posters at 30.00 = 600.00
    response = api.post("/api/orders", body(("POSTER-1", 20)))

    # then
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    shown = api.get(f"/api/orders/{number}").json()
    assert shown["status"] == "on_hold"
    assert shown["risk_score"] == 40
    assert shown["review"]["outcome"] == "hold"
    assert shown["review"]["score"] == 40
    assert shown["review"]["reasons"] == [
        {
            "code": "first_order_high_total",
            "points": 40,
            "message": "First order with a total of €600.00 (over €500.00)",
            "params": {"total": "600.00", "currency": "EUR", "limit": "500.00"},
        }
    ]
    assert "First order" in shown["status_reason"]
    assert "500" in shown["status_reason"]
    # a held order keeps its stock until the owner decides
    assert reserved("POSTER-1") == 20
    assert [e["type"] for e in shown["timeline"]] == ["order.placed", "order.on_hold"]


def test_the_same_total_from_a_returning_customer_is_accepted(api, shop):
    # given one earlier order from this email
    assert api.post("/api/orders", body(("MUG-1", 1))).status_code == 201

    # when
    response = api.post("/api/orders", body(("POSTER-1", 20)))

    # then
    assert response.json()["status"] == "accepted"
    assert reason_codes(response.json()) == []


def test_many_orders_from_one_email_within_the_window_score(api, shop):
    # given three orders from one email (the limit), each from its own IP
    set_policy(max_orders_per_email=3, max_orders_per_ip=1000)
    for i in range(3):
        response = api.post("/api/orders", body(("MUG-1", 1)), REMOTE_ADDR=f"198.51.100.{i}")
        assert reason_codes(response.json()) == []

    # when the fourth arrives
    response = api.post("/api/orders", body(("MUG-1", 1)), REMOTE_ADDR=OTHER_IP)

    # then it scores the velocity points (35 < 40: still accepted)
    data = api.get(f"/api/orders/{response.json()['number']}").json()
    assert reason_codes(data) == ["many_orders_from_email"]
    assert data["risk_score"] == 35
    assert data["status"] == "accepted"
    assert "3 orders from this email" in data["review"]["reasons"][0]["message"]


def test_many_orders_from_one_ip_within_the_window_score(api, shop):
    # given five orders from one IP, each from its own email
    set_policy(max_orders_per_ip=5)
    for i in range(5):
        response = api.post(
            "/api/orders", body(("MUG-1", 1), email=f"c{i}@example.com"), REMOTE_ADDR=OTHER_IP
        )
        assert reason_codes(response.json()) == []

    # when the sixth arrives from that IP, and another from elsewhere
    from_ip = api.post(
        "/api/orders", body(("MUG-1", 1), email="x@example.com"), REMOTE_ADDR=OTHER_IP
    )
    elsewhere = api.post("/api/orders", body(("MUG-1", 1), email="y@example.com"))

    # then
    assert reason_codes(from_ip.json()) == ["many_orders_from_ip"]
    assert from_ip.json()["risk_score"] == 35
    assert reason_codes(elsewhere.json()) == []


def test_orders_older_than_the_window_do_not_count(api, shop):
    # given three orders from one email, placed two hours ago (window: 60 minutes)
    set_policy(max_orders_per_email=3, velocity_window_minutes=60)
    for _ in range(3):
        assert api.post("/api/orders", body(("MUG-1", 1))).status_code == 201
    Order.objects.update(placed_at=timezone.now() - timedelta(hours=2))

    # when
    response = api.post("/api/orders", body(("MUG-1", 1)))

    # then
    assert reason_codes(response.json()) == []


def test_billing_and_shipping_countries_that_differ_score(api, shop):
    # when
    response = api.post(
        "/api/orders",
        body(("MUG-1", 1), billing_address={**ADDRESS, "country": "DE"}),
    )

    # then
    data = api.get(f"/api/orders/{response.json()['number']}").json()
    assert reason_codes(data) == ["country_mismatch"]
    assert data["risk_score"] == 25
    assert "DE" in data["review"]["reasons"][0]["message"]
    assert data["billing_address"]["country"] == "DE"


def test_the_same_country_in_another_case_is_no_mismatch(api, shop):
    # when
    response = api.post(
        "/api/orders",
        body(("MUG-1", 1), billing_address={**ADDRESS, "country": "gb"}),
    )

    # then
    assert reason_codes(response.json()) == []


@pytest.mark.parametrize("reject_at", [65, 60], ids=["at the threshold", "over it"])
def test_a_score_at_or_over_the_reject_threshold_rejects_and_reserves_nothing(api, shop, reject_at):
    # given a first order over the limit (40) with a country mismatch (25): 65 points
    set_policy(reject_at_score=reject_at)

    # when
    response = api.post(
        "/api/orders",
        body(("POSTER-1", 20), billing_address={**ADDRESS, "country": "FR"}),
    )

    # then
    assert response.status_code == 201, response.content
    data = api.get(f"/api/orders/{response.json()['number']}").json()
    assert data["status"] == "rejected"
    assert data["review"]["outcome"] == "reject"
    assert data["risk_score"] == 65
    assert sorted(reason_codes(data)) == ["country_mismatch", "first_order_high_total"]
    assert reserved("POSTER-1") == 0
    assert Reservation.objects.count() == 0
    assert (events_of("order.placed"), events_of("order.rejected")) == (1, 1)


def test_a_score_just_under_the_hold_threshold_is_accepted(api, shop):
    # given hold at 41: a first order over the limit scores 40
    set_policy(hold_at_score=41)

    # when
    response = api.post("/api/orders", body(("POSTER-1", 20)))

    # then
    assert response.json()["status"] == "accepted"
    assert response.json()["risk_score"] == 40


# --- processing figures ---------------------------------------------------------------------


def hand_made(
    status: str, *, placed_hours_ago: float, accepted_after=None, shipped_after=None
) -> Order:
    """An order placed through intake, then given a status and times by hand."""
    order, _ = services.order_place(
        draft=draft(("MUG-1", 1), email=f"o{Order.objects.count()}@example.com"),
        channel="api",
        actor=SYSTEM,
    )
    placed = timezone.now() - timedelta(hours=placed_hours_ago)
    Order.objects.filter(pk=order.pk).update(
        status=status,
        placed_at=placed,
        accepted_at=placed + timedelta(hours=accepted_after) if accepted_after else None,
        shipped_at=placed + timedelta(hours=shipped_after) if shipped_after else None,
    )
    return order


def test_processing_stats_on_hand_made_orders(shop, permissive):
    # given
    hand_made(OrderStatus.COMPLETED, placed_hours_ago=20, accepted_after=1, shipped_after=5)
    hand_made(OrderStatus.DELIVERED, placed_hours_ago=20, accepted_after=3, shipped_after=9)
    hand_made(OrderStatus.CANCELLED, placed_hours_ago=10, accepted_after=2)
    hand_made(OrderStatus.REJECTED, placed_hours_ago=10)
    hand_made(OrderStatus.ACCEPTED, placed_hours_ago=1, accepted_after=0.5)
    # outside the default 30-day window: must not count
    hand_made(
        OrderStatus.COMPLETED, placed_hours_ago=24 * 40, accepted_after=100, shipped_after=200
    )

    # when
    stats = processing_stats()

    # then accept: (1 + 3 + 2 + 0.5) / 4; ship: (5 + 9) / 2; completed 1 of 3 finished
    assert stats.orders == 5
    assert stats.mean_to_accept == timedelta(hours=6.5 / 4)
    assert stats.mean_to_ship == timedelta(hours=7)
    assert stats.completed_share == pytest.approx(1 / 3)


def test_processing_stats_with_a_since(shop, permissive):
    # given
    hand_made(OrderStatus.COMPLETED, placed_hours_ago=30, accepted_after=4, shipped_after=8)
    hand_made(OrderStatus.COMPLETED, placed_hours_ago=2, accepted_after=1, shipped_after=1.5)

    # when
    stats = processing_stats(since=timezone.now() - timedelta(hours=3))

    # then only the recent order counts
    assert stats.orders == 1
    assert stats.mean_to_accept == timedelta(hours=1)
    assert stats.mean_to_ship == timedelta(hours=1.5)
    assert stats.completed_share == 1.0


def test_processing_stats_with_no_orders(db):
    # when
    stats = processing_stats()

    # then
    assert stats.orders == 0
    assert stats.completed_share == 0.0
    assert stats.mean_to_accept is None
    assert stats.mean_to_ship is None
