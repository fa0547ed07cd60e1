"""The Insights page: KPI rows with their intervals, the daily facts a page at a time, the
same queries for few and many orders, any signed-in role, and the window the owner picks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.analytics.models import Anomaly, DailyFact, Forecast, NightlyRun, PriceSuggestion
from soloops.analytics.services import forecasts_refresh
from soloops.orders.services import order_cancel
from tests.analytics.conftest import SYSTEM, dispatch_pending, place, shop  # noqa: F401
from tests.analytics.test_kpis import finish

pytestmark = pytest.mark.usefixtures("shop")

# Session, user; the facts' last change (the KPI cache key); this window: daily-fact sums, its
# orders' timings, decisions asked; the window before: the same three; the page of facts; the
# shop's forecasts; unusual days; the last nightly run; price suggestions (waiting, and those
# without one).
QUERIES = 15
# With the KPIs cached: session, user, the cache key, the page, forecasts, unusual days, the
# nightly run, price suggestions (two).
CACHED_QUERIES = 9


def test_insights_shows_each_kpi_with_its_interval(viewer_client):
    # given
    for hours in (5, 15, 25):
        finish(place([("MUG-1", 1)]), placed_hours_ago=hours)
    order_cancel(order=place([("CAP-1", 1)]), actor=SYSTEM, reason="customer asked")
    dispatch_pending()

    # when
    response = viewer_client.get("/insights/?days=7")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="completion_rate"' in html
    row = html[html.index('data-kpi="completion_rate"') :]
    row = row[: row.index("</tr>")]
    assert "75 %" in row and "Wilson score interval" in row  # 3 completed of 4 decided
    assert 'data-kpi="ship_hours_median"' in html
    assert '<option value="7" selected>' in html
    assert 'data-table="daily"' in html


def test_a_window_not_offered_falls_back_to_four_weeks(viewer_client):
    response = viewer_client.get("/insights/?days=9999")
    assert response.status_code == 200
    assert '<option value="28" selected>' in response.content.decode()


def test_insights_costs_the_same_queries_for_few_and_many_orders(
    owner_client, django_assert_num_queries
):
    # given
    finish(place([("MUG-1", 1)]), placed_hours_ago=3)
    dispatch_pending()
    owner_client.get("/insights/")  # warm the shop-profile cache
    with django_assert_num_queries(CACHED_QUERIES):
        assert owner_client.get("/insights/").status_code == 200

    # when the month has many more orders
    for i in range(30):
        place([("MUG-1", 1 + i % 3)], days_ago=i % 25 + 0.5)
    for hours in (10, 30, 50):
        finish(place([("TEE-1", 1)]), placed_hours_ago=hours)
    dispatch_pending()

    # then: the facts changed, so the KPIs are computed again, with the same queries
    with django_assert_num_queries(QUERIES):
        assert owner_client.get("/insights/").status_code == 200
    with django_assert_num_queries(CACHED_QUERIES):
        assert owner_client.get("/insights/").status_code == 200


def test_insights_shows_how_good_the_forecasts_are(viewer_client):
    # given 60 days of facts and a forecast run
    yesterday = timezone.localdate() - timedelta(days=1)
    DailyFact.objects.bulk_create(
        DailyFact(day=yesterday - timedelta(days=i), units=5 + i % 7, revenue=10 * (5 + i % 7))
        for i in range(60)
    )
    forecasts_refresh(actor=SYSTEM)

    # when
    html = viewer_client.get("/insights/").content.decode()

    # then: one row per shop series, with the chosen model and both backtest errors
    table = html[html.index('data-table="accuracy"') :]
    table = table[: table.index("</table>")]
    assert "Units sold per day" in table and "Revenue per day" in table
    units = Forecast.objects.get(series="shop.units")
    assert f"<code>{units.model}</code>" in table
    assert f"{units.scores['seasonal_naive']:.2f}" in table


def test_an_unusual_day_is_listed_explained_and_staff_can_mark_it_expected(
    viewer_client, staff_client
):
    # given an anomaly recorded by the nightly scoring
    day = timezone.localdate() - timedelta(days=1)
    anomaly = Anomaly.objects.create(
        day=day,
        metric="orders_placed",
        value=7,
        expected_low=30,
        expected_high=50,
        z=-4.2,
        direction="drop",
    )

    # when
    html = viewer_client.get("/insights/").content.decode()
    refused = viewer_client.post(f"/insights/anomalies/{anomaly.pk}/expected/")
    marked = staff_client.post(f"/insights/anomalies/{anomaly.pk}/expected/")

    # then
    listed = html[html.index('data-list="anomalies"') :]
    assert f"Orders: 7, usually 30\u201350 on a {day.strftime('%A')}" in listed
    assert "lower than usual" in listed
    assert 'action="/insights/anomalies/' not in listed  # a viewer gets no button
    assert refused.status_code == 403
    assert marked.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.expected
    assert "No unusual days." in staff_client.get("/insights/").content.decode()


def test_today_shows_the_unusual_days_of_the_week(viewer_client):
    Anomaly.objects.create(
        day=timezone.localdate() - timedelta(days=1),
        metric="payments_failed",
        value=21,
        expected_low=0,
        expected_high=2,
        z=20,
        direction="spike",
    )
    html = viewer_client.get("/").content.decode()
    tile = html[html.index('data-tile="anomalies"') :]
    assert '<span class="figure">1</span>' in tile[: tile.index("</a>")]


def test_insights_shows_the_last_nightly_run_and_its_progress(viewer_client):
    # given no run yet
    assert 'data-nightly="none"' in viewer_client.get("/insights/").content.decode()

    # when a run is working, then when it is done
    today = timezone.localdate()
    run = NightlyRun.objects.create(day=today, claimed_by="a", status="running", done=2, total=9)
    working = viewer_client.get("/insights/").content.decode()
    NightlyRun.objects.filter(pk=run.pk).update(
        status="done", series=9, anomalies=1, finished_at=timezone.now()
    )
    done = viewer_client.get("/insights/").content.decode()

    # then
    assert "The nightly run is working: 2 of 9 series forecast." in working
    assert 'data-nightly="done"' in done and "9 series forecast, 1 unusual days found" in done


def test_insights_lists_price_suggestions_waiting_first_with_reasons(viewer_client):
    # given one waiting, one without enough history
    PriceSuggestion.objects.create(
        sku="CAP-1",
        status="none",
        current_price="20.00",
        reason="not enough price history: 3 days with sales (needs 56)",
    )
    PriceSuggestion.objects.create(
        sku="MUG-1",
        status="waiting",
        current_price="12.50",
        suggested_price="13.75",
        unit_cost="2.00",
        elasticity=-0.6,
        elasticity_low=-0.9,
        elasticity_high=-0.3,
        effect=0.072,
        effect_low=0.051,
        effect_high=0.093,
        days_used=300,
    )

    # when
    html = viewer_client.get("/insights/").content.decode()

    # then
    table = html[html.index('data-table="prices"') :]
    assert table.index('data-sku="MUG-1"') < table.index('data-sku="CAP-1"')
    assert "13.75" in table and "-0.60 (-0.90 \u2026 -0.30)" in table
    assert "+7.2 % (+5.1 % \u2026 +9.3 %)" in table
    assert "Not enough price history" in table
