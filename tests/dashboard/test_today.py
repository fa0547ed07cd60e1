"""Today: tiles against the same weekday last week in the shop's time zone, what waits for
the owner, the 30-day charts (as JSON for Chart.js and as a table), the empty shop, and a
fixed number of queries however many orders there are."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from soloops.automation.models import FlowRun, RunStatus
from soloops.orders.models import Order
from soloops.orders.services import order_cancel, order_reject
from soloops.purchasing.models import PurchaseOrder
from soloops.purchasing.services import purchase_order_send
from tests.dashboard.builders import (
    approval_flow,
    held_order,
    place,
    purchase_order_draft,
    review_flow,
)
from tests.factories import SYSTEM, make_variant


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Intake caches the review policy for 10 s; each test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(moment)``: from now on the clock reads ``moment`` (Django's timezone.now)."""

    def at(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


def chart(response, element_id: str) -> dict:
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, f"no {element_id} JSON on the page"
    return json.loads(found.group(1))


def tile(response, name: str) -> tuple[str, str]:
    """(href, figure) of a tile."""
    found = re.search(
        rf'<a class="tile[^"]*" href="([^"]+)" data-tile="{name}">'
        r'\s*<span class="figure">(.*?)</span>',
        response.content.decode(),
        re.S,
    )
    assert found, f"no {name} tile"
    return found.group(1).replace("&amp;", "&"), found.group(2).strip()


def total(*orders: Order) -> Decimal:
    return sum((o.total for o in orders), Decimal("0.00"))


# --- the empty shop ---------------------------------------------------------------------------


def test_an_empty_shop_shows_zeros_and_what_to_do(owner_client):
    # given a shop without orders, flows, stock or purchase orders
    # when the owner opens Today
    response = owner_client.get("/")

    # then every tile says 0, the page says how to get orders, and nothing waits
    assert response.status_code == 200
    page = response.content.decode()
    for name in [
        "orders-today",
        "on-hold",
        "failed-runs",
        "low-stock",
        "purchase-orders-due",
    ]:
        assert tile(response, name)[1] == "0"
    assert tile(response, "revenue-today")[1] == "€0.00"
    assert "No orders yet — share your shop link" in page
    assert 'href="/shop/"' in page
    assert "Nothing is waiting for you." in page
    revenue = chart(response, "revenue-data")
    assert len(revenue["labels"]) == 30
    assert revenue["revenue"] == ["0.00"] * 30
    assert revenue["orders"] == [0] * 30
    assert chart(response, "status-data")["counts"] == []


# --- figures in the shop's time zone ----------------------------------------------------------


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_figures_count_days_in_the_shop_time_zone_against_the_same_weekday_last_week(
    owner_client, freeze, zone
):
    with override_settings(TIME_ZONE=zone):
        tz = ZoneInfo(zone)

        def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
            return datetime(2026, month, day, hour, minute, tzinfo=tz)

        # given Wednesday 11 March 2026, 10:00 in the shop (New York moved its clocks on
        # Sunday the 8th: a week ago at 10:00 was 167 hours ago, not 168)
        now = local(11, 10)
        make_variant("MUG-1", price="12.50", stock=1000)
        make_variant("POSTER-1", price="30.00", stock=1000)
        # today: just after midnight, and this morning; a cancelled one does not count
        after_midnight = place("MUG-1", at=local(11, 0, 5))
        this_morning = place("POSTER-1", 2, at=local(11, 9, 30))
        cancelled = place("POSTER-1", at=local(11, 8))
        order_cancel(order=cancelled, actor=SYSTEM, reason="customer asked")
        # yesterday, five minutes before midnight (in UTC it is today in New York)
        before_midnight = place("POSTER-1", at=local(10, 23, 55))
        # Wednesday last week: before and after 10:00 by the shop's clock
        last_week_early = place("MUG-1", 3, at=local(4, 9, 30))
        last_week_late = place("POSTER-1", at=local(4, 10, 30))
        # older than the 30 days of the charts
        place("MUG-1", at=local(8, 12, month=2))

        # when the owner opens Today at that moment
        freeze(now.astimezone(ZoneInfo("UTC")))
        response = owner_client.get("/")

    # then today is the shop's day, compared with last Wednesday up to 10:00
    assert response.status_code == 200
    assert tile(response, "orders-today")[1] == "2"
    today_revenue = total(after_midnight, this_morning)
    assert tile(response, "revenue-today")[1] == f"€{today_revenue:,}"
    figures = response.context
    assert figures["orders_change"].before == 1
    assert figures["orders_change"].direction == "up"
    assert figures["orders_change"].percent == 100
    assert figures["revenue_change"].before == last_week_early.total
    assert figures["revenue_change"].delta == today_revenue - last_week_early.total
    page = response.content.decode()
    assert "vs 1 on Wednesday last week by this time" in page
    assert "up 1 (100 %)" in page
    # and the chart has one value per day of the shop, today last, empty days as 0
    revenue = chart(response, "revenue-data")
    assert len(revenue["labels"]) == 30
    assert revenue["labels"][-1] == "11 Mar"
    assert revenue["labels"][0] == "10 Feb"
    assert revenue["revenue"][-1] == str(today_revenue)
    assert revenue["orders"][-1] == 2
    assert revenue["revenue"][-2] == str(before_midnight.total)
    assert revenue["orders"][-2] == 1
    assert revenue["revenue"][-8] == str(total(last_week_early, last_week_late))
    assert revenue["orders"][-8] == 2
    assert revenue["revenue"][:-8] == ["0.00"] * 22
    assert revenue["currency"] == "EUR"
    # and orders by status count every order of the 30 days, cancelled ones too
    statuses = chart(response, "status-data")
    assert dict(zip(statuses["statuses"], statuses["counts"], strict=True)) == {
        "accepted": 5,
        "cancelled": 1,
    }
    assert statuses["labels"] == ["Accepted", "Cancelled"]
    # and the same figures are on the page as a table and a list
    assert f'<td class="num">€{today_revenue:,}</td>' in page
    assert '<span class="badge cancelled">Cancelled</span></a> <span class="num">1</span>' in page


def test_a_quiet_today_is_down_on_last_week(owner_client, freeze):
    # given an order last Wednesday morning and none today (in UTC, the shop's zone)
    now = datetime(2026, 3, 11, 15, 0, tzinfo=ZoneInfo("UTC"))
    make_variant("MUG-1", price="12.50", stock=100)
    place("MUG-1", at=now - timedelta(days=7, hours=5))
    rejected = held_order()
    order_reject(order=rejected, actor=SYSTEM, reason="fraud")
    Order.objects.filter(pk=rejected.pk).update(placed_at=now - timedelta(hours=1))

    # when the owner looks
    freeze(now)
    response = owner_client.get("/")

    # then today shows 0, down from 1 (the rejected order counts for nothing)
    assert tile(response, "orders-today")[1] == "0"
    change = response.context["orders_change"]
    assert (change.direction, change.delta, change.percent) == ("down", -1, -100)
    assert "down 1 (100 %)" in response.content.decode()
    assert "No orders yet" not in response.content.decode()


# --- what waits, and the links behind the tiles -----------------------------------------------


def test_tiles_count_what_waits_and_link_to_the_lists_behind_them(owner_client):
    # given two held orders, a failed run, a low SKU, a purchase order due and one not yet
    first = held_order()
    second = held_order()
    flow = approval_flow()
    FlowRun.objects.create(flow=flow, version=flow.published_version, status=RunStatus.FAILED)
    due = purchase_order_draft("INK-1", "Paper Co")
    purchase_order_send(po=due, actor=SYSTEM)
    PurchaseOrder.objects.filter(pk=due.pk).update(expected_date=date.today() - timedelta(days=1))
    later = purchase_order_draft("PEN-1", "Pen Co")
    purchase_order_send(po=later, actor=SYSTEM)

    # when the owner opens Today
    response = owner_client.get("/")

    # then each tile has its count and links to its list
    assert tile(response, "on-hold") == ("/orders/?status=on_hold", "2")
    assert tile(response, "failed-runs") == ("/flows/runs/?status=failed", "1")
    # INK-1 and PEN-1 are below their reorder point (the drafts are incoming, not stock)
    assert tile(response, "low-stock") == ("/products/?low=1", "2")
    assert tile(response, "purchase-orders-due") == ("/purchase-orders/?due=1", "1")
    today = timezone.localdate().isoformat()
    assert tile(response, "orders-today") == (
        f"/orders/?placed_from={today}&placed_to={today}",
        "2",
    )
    # and "Waiting for you" lists the held orders, oldest first, with their first risk reason
    page = response.content.decode()
    waiting = page[page.index("Waiting for you") :]
    assert f'<a href="/orders/{first.number}/">{first.number}</a>' in waiting
    assert waiting.index(first.number) < waiting.index(second.number)
    assert "First order with a total of" in waiting
    assert 'href="/decisions/"' in waiting


def test_drafts_wait_on_today_with_their_total_and_a_tile_of_their_own(owner_client):
    # given three purchase order drafts for low SKUs (nothing sent, so nothing is due)
    drafts = [purchase_order_draft(f"INK-{i}", f"Paper Co {i}") for i in range(3)]

    # when the owner opens Today
    response = owner_client.get("/")

    # then each draft waits for them, with its supplier and total, and a tile counts them
    page = response.content.decode()
    waiting = page[page.index("Waiting for you") :]
    for po in drafts:
        assert f'<a href="/purchase-orders/{po.number}/">{po.number}</a>' in waiting
    assert waiting.count("Purchase order draft") == 3
    assert "Paper Co 1" in waiting and "€" in waiting
    assert "INK-0: 1 available and 0 on order, below the reorder point 5" in waiting
    assert tile(response, "purchase-order-drafts") == ("/purchase-orders/?status=draft", "3")
    assert tile(response, "purchase-orders-due") == ("/purchase-orders/?due=1", "0")


def test_a_held_order_the_review_flow_asks_about_is_one_item(
    transactional_db, run_tasks, owner_client
):
    # given the default review flow asking about a held order
    review_flow()
    order = held_order()
    run_tasks()
    assert FlowRun.objects.get().status == RunStatus.AWAITING_APPROVAL

    # when the owner opens Today
    page = owner_client.get("/").content.decode()

    # then the order is listed once, and no second item asks about it
    waiting = page[page.index("Waiting for you") : page.index("Decide them in Decisions")]
    assert waiting.count("<li>") == 1
    assert f'<a href="/orders/{order.number}/">{order.number}</a>' in waiting
    assert "Approval" not in waiting


# --- speed ------------------------------------------------------------------------------------

# Session, user; two for the sales figures; on hold, failed runs, open alerts, low stock,
# purchase orders due, drafts; held orders, approvals, drafts and price suggestions of "Waiting
# for you"; paused webhooks, held channel orders; unusual days (Insights).
QUERIES = 17


def test_today_costs_the_same_queries_for_few_and_many_orders(
    owner_client, django_assert_num_queries
):
    # given a shop with one order and one held order
    make_variant("MUG-1", price="12.50", stock=1000)
    place("MUG-1")
    held_order()
    purchase_order_draft("INK-1", "Paper Co")
    with django_assert_num_queries(QUERIES):
        assert owner_client.get("/").status_code == 200

    # when it has many orders over the month and several held orders
    # (each within its day, whatever the hour the test runs: the chart counts shop days)
    now = timezone.localtime()
    since_midnight = now - now.replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(40):
        place("MUG-1", at=now - timedelta(days=i % 30) - since_midnight * (i % 5) / 5)
    for _ in range(4):
        held_order()
    for i in range(3):
        purchase_order_draft(f"PEN-{i}", f"Pen Co {i}")

    # then Today still costs the same queries
    with django_assert_num_queries(QUERIES):
        response = owner_client.get("/")
    assert response.status_code == 200
    assert sum(chart(response, "revenue-data")["orders"]) == 46
