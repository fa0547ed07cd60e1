"""The forecast run over stored daily facts: every series stored with its model and reorder
advice; the owner lets a SKU's reorder policy follow its forecast (the API), and the next run
sets purchasing's policy with an event naming why; policies not following keep their values."""

from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.analytics.backtests import backtest_run
from soloops.analytics.forecasting import HIGH_VOLUME
from soloops.analytics.models import DailyFact, Forecast, SkuDailyFact
from soloops.analytics.services import forecasts_refresh
from soloops.analytics.synthetic import peak_season_series
from soloops.automation.models import Event
from soloops.purchasing.selectors import reorder_policy_for
from soloops.shop.selectors import shop_zone
from tests.analytics.conftest import SYSTEM
from tests.api.conftest import assert_error
from tests.purchasing import conftest as purchasing


def test_the_run_stores_every_series_with_its_model_and_reorder_advice(history):
    # when
    run = forecasts_refresh(actor=SYSTEM)

    # then
    assert run.series == 4
    rows = {f.series: f for f in Forecast.objects.all()}
    assert set(rows) == {"shop.units", "shop.revenue", "sku:MUG-1", "sku:CAP-1"}
    mug, cap = rows["sku:MUG-1"], rows["sku:CAP-1"]
    assert mug.tier == "regular" and set(mug.scores) == {
        "seasonal_naive",
        "weekday_smoothing",
        "harmonic_regression",
        "ensemble",
    }
    assert (cap.tier, cap.model) == ("intermittent", "croston_sba")
    assert mug.lead_time_days == 5 and mug.service_level == 0.95
    assert mug.reorder_point == pytest.approx(mug.lead_time_demand + mug.safety_stock, abs=1)
    assert mug.order_up_to > mug.reorder_point
    assert len(mug.points) == 90 and all(p[3] <= p[1] <= p[0] <= p[2] <= p[4] for p in mug.points)
    assert rows["shop.units"].reorder_point is None


def test_a_higher_service_level_raises_the_reorder_point(history):
    forecasts_refresh(actor=SYSTEM, service_level=0.9)
    relaxed = Forecast.objects.get(series="sku:MUG-1").reorder_point

    forecasts_refresh(actor=SYSTEM, service_level=0.99)

    assert Forecast.objects.get(series="sku:MUG-1").reorder_point > relaxed


def test_a_policy_follows_its_forecast_only_once_the_owner_says_so(history, caller):
    # given a forecast, and the owner's own reorder point
    forecasts_refresh(actor=SYSTEM)
    owner = caller("owner")
    owner.put("/api/reorder-policies/MUG-1", {"reorder_point": 3, "target_level": 9})

    # when a run happens without her say-so: her values stay
    forecasts_refresh(actor=SYSTEM)
    assert reorder_policy_for(variant=history).reorder_point == 3

    # when staff tries to switch it on: refused; the owner does
    assert_error(
        caller("staff").put("/api/analytics/forecasts/sku:MUG-1/follow", {"follow": True}), 403
    )
    response = owner.put("/api/analytics/forecasts/sku:MUG-1/follow", {"follow": True})
    assert response.status_code == 200, response.content
    assert response.json()["follow"] is True
    forecasts_refresh(actor=SYSTEM)

    # then the policy is the forecast's, and the event says why
    forecast = Forecast.objects.get(series="sku:MUG-1")
    policy = reorder_policy_for(variant=history)
    assert (policy.reorder_point, policy.target_level) == (
        forecast.reorder_point,
        forecast.order_up_to,
    )
    [changed] = Event.objects.filter(type="analytics.reorder_point_changed")
    assert changed.payload["previous_reorder_point"] == 3
    assert changed.payload["model"] == forecast.model
    assert changed.payload["lead_time_days"] == 5 and changed.payload["service_level"] == 0.95

    # and a second run with the same forecast changes nothing more
    forecasts_refresh(actor=SYSTEM)
    assert Event.objects.filter(type="analytics.reorder_point_changed").count() == 1


def test_api_serves_a_forecast_and_names_an_unknown_series(history, caller):
    forecasts_refresh(actor=SYSTEM)
    viewer = caller("viewer")

    response = viewer.get("/api/analytics/forecasts/sku:MUG-1")
    missing = viewer.get("/api/analytics/forecasts/sku:NOPE")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model"] and body["reason"] and len(body["points"]) == 90
    first = body["points"][0]
    assert first["lo95"] <= first["mean"] <= first["hi95"]
    assert_error(missing, 404, "no_forecast", "series")


@pytest.fixture
def two_years(db):
    """Two years of a peak season up to yesterday: the shop sells about 7 units a day (under
    HIGH_VOLUME: only being the shop's total gets it the yearly ensemble), MUG-1 (a supplier
    sells it) about 3."""
    supplier = purchasing.make_supplier("Mug Maker", lead_time_days=5)
    purchasing.sells(supplier, purchasing.sku("MUG-1", stock=50))
    yesterday = timezone.localtime(timezone.now(), shop_zone()).date() - timedelta(days=1)
    first = yesterday - timedelta(days=729)
    shop = peak_season_series(730, level=5.0, seed=1)
    mugs = peak_season_series(730, level=3.0, seed=2)
    assert shop[-364:].mean() < HIGH_VOLUME
    DailyFact.objects.bulk_create(
        DailyFact(day=first + timedelta(days=i), units=int(units)) for i, units in enumerate(shop)
    )
    SkuDailyFact.objects.bulk_create(
        SkuDailyFact(day=first + timedelta(days=i), sku="MUG-1", units=int(units), orders=1)
        for i, units in enumerate(mugs)
        if units
    )


def test_the_shops_units_try_the_yearly_ensemble_and_a_slow_sku_does_not(two_years):
    # when
    forecasts_refresh(actor=SYSTEM)

    # then the shop's total is backtested with the year in detail too; the SKU, at about 3 a
    # day, with the lighter candidates only
    units, mug = Forecast.objects.get(series="shop.units"), Forecast.objects.get(series="sku:MUG-1")
    assert (units.tier, mug.tier) == ("regular", "regular")
    assert "yearly_ensemble" in units.scores
    assert "yearly_ensemble" not in mug.scores and "weekday_smoothing_yearly" in mug.scores


def test_the_backtest_of_the_shops_units_can_choose_the_yearly_ensemble(two_years):
    # when the last 28 days (into the peak season) are held out
    result = backtest_run(series="shop.units", horizon=28)

    # then the backtest chooses the year in detail, and it beats seasonal naive
    assert result.model == "yearly_ensemble"
    assert result.mase["chosen"] <= 0.85 * result.mase["seasonal_naive"]
