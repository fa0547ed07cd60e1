"""The forecast run over stored daily facts: every series stored with its model and reorder
advice; the owner lets a SKU's reorder policy follow its forecast (the API), and the next run
sets purchasing's policy with an event naming why; policies not following keep their values."""

import pytest

from soloops.analytics.models import Forecast
from soloops.analytics.services import forecasts_refresh
from soloops.automation.models import Event
from soloops.purchasing.selectors import reorder_policy_for
from tests.analytics.conftest import SYSTEM
from tests.api.conftest import assert_error


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
