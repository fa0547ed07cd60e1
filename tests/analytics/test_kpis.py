"""The KPIs of a window, computed from orders placed through the services, and served by the
API (auth, bad input naming the field, paging of the daily facts, bounded queries)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.analytics.selectors import kpi_report
from soloops.analytics.stats import wilson
from soloops.orders.models import Order
from soloops.orders.services import (
    order_accept,
    order_cancel,
    order_complete,
    order_hold,
    order_mark_delivered,
    order_mark_shipped,
    order_start_fulfilling,
)
from soloops.payments.services import payment_start
from tests.analytics.conftest import SUCCESS_CARD, SYSTEM, dispatch_pending, place
from tests.api.conftest import assert_error

pytestmark = pytest.mark.usefixtures("shop")


def finish(order, *, placed_hours_ago: float) -> Order:
    """Pay, ship, deliver and complete an order that was placed ``placed_hours_ago``."""
    Order.objects.filter(pk=order.pk).update(
        placed_at=timezone.now() - timedelta(hours=placed_hours_ago)
    )
    order.refresh_from_db()
    payment_start(order=order, provider="sandbox", card_number=SUCCESS_CARD, actor=SYSTEM)
    order.refresh_from_db()
    for move in (order_start_fulfilling, order_mark_shipped, order_mark_delivered):
        order = move(order=order, actor=SYSTEM)
    return order_complete(order=order, actor=SYSTEM)


@pytest.fixture
def history(shop):
    """Six orders this week: four completed (shipped 10, 20, 30, 40 hours after placing), one
    cancelled, one held then accepted by the owner."""
    for hours in (10, 20, 30, 40):
        finish(place([("MUG-1", 1)]), placed_hours_ago=hours)
    order_cancel(order=place([("CAP-1", 1)]), actor=SYSTEM, reason="customer asked")
    held = order_hold(order=place([("TEE-1", 2)]), actor=SYSTEM, reason="address looks odd")
    order_accept(order=held, actor=SYSTEM)
    dispatch_pending()


@pytest.mark.usefixtures("history")
def test_rates_times_and_workload_of_the_window():
    # when
    report = kpi_report(days=7)

    # then: 4 completed of 5 decided (the accepted one is not decided yet), Wilson interval
    completion = report.get("completion_rate").now
    assert (completion.value, completion.n) == (0.8, 5)
    assert (completion.low, completion.high) == (wilson(4, 5).low, wilson(4, 5).high)
    assert report.get("hold_rate").now.value == pytest.approx(1 / 6)
    # placed → shipped: 10, 20, 30, 40 hours (shipped now); median 25
    ship = report.get("ship_hours_median").now
    assert ship.value == pytest.approx(25, abs=0.1) and ship.n == 4
    assert report.get("ship_hours_mean").now.value == pytest.approx(25, abs=0.1)
    assert report.get("deliver_hours_mean").now.n == 4
    # one decision asked this week, answered
    per_day = report.get("decisions_per_day").now
    assert per_day.value == pytest.approx(1 / 7)
    assert report.get("decision_wait_hours_median").now.n == 1
    # the week before had nothing: no figure, and no change claimed
    assert report.get("completion_rate").before.value is None
    assert not report.get("completion_rate").changed


def test_api_serves_kpis_and_refuses_a_bad_window(history, caller):
    viewer = caller("viewer")

    response = viewer.get("/api/analytics/kpis", days=7)
    too_short = viewer.get("/api/analytics/kpis", days=3)
    not_a_day = viewer.get("/api/analytics/kpis", until="yesterday")

    assert response.status_code == 200, response.content
    kpis = {k["key"]: k for k in response.json()["kpis"]}
    assert kpis["completion_rate"]["now"]["value"] == 0.8
    assert kpis["completion_rate"]["now"]["method"] == "wilson"
    assert kpis["ship_hours_median"]["now"]["method"] == "order_statistic"
    assert_error(too_short, 422, field="days")
    assert_error(not_a_day, 422, field="until")


def test_api_pages_the_daily_facts(caller, django_assert_num_queries):
    # given: orders on three days (two imported from the past)
    place([("MUG-1", 1)])
    place([("MUG-1", 2)], days_ago=1)
    place([("MUG-1", 3)], days_ago=2)
    dispatch_pending()
    viewer = caller("viewer")
    viewer.get("/api/me")  # the token's first use writes its last-used time

    # when: two a page
    with django_assert_num_queries(2):  # the count, the page (the token is kept in the process)
        first = viewer.get("/api/analytics/daily", limit=2)
    second = viewer.get("/api/analytics/daily", limit=2, page=2)

    # then: oldest first, gap-free
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["count"], body["has_more"]) == (3, True)
    assert [d["units"] for d in body["items"] + second.json()["items"]] == [3, 2, 1]


def test_api_needs_authentication(client):
    assert_error(client.get("/api/analytics/daily"), 401)
    assert_error(client.get("/api/analytics/kpis"), 401)
