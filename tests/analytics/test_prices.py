"""Price suggestions: the elasticity from a price history (and the refusal without one), a
bounded price that raises the margin, waiting for the owner; accepting changes the price with
events, rejecting keeps it and is not asked again; the nightly refresh asks once."""

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from soloops.analytics import pricing
from soloops.analytics.models import PriceSuggestion, SkuDailyFact
from soloops.analytics.services import price_suggestions_refresh
from soloops.analytics.synthetic import WEEKLY
from soloops.automation.models import Event
from soloops.catalog.models import Variant
from soloops.shop.selectors import shop_zone
from tests.analytics.conftest import SYSTEM
from tests.api.conftest import assert_error
from tests.purchasing.conftest import make_supplier, sells, sku

DAYS = 365


def priced_history(days: int, *, price: float, elasticity: float, seed: int = 1):
    """Daily (units, revenue): ten days at 20 % off every month (a promotion), demand moving
    with the price by ``elasticity`` and with the weekday, Poisson noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    prices = np.where(t % 30 < 10, round(price * 0.8, 2), price)
    rate = 20 * (prices / price) ** elasticity * WEEKLY[t % 7]
    units = rng.poisson(rate).astype(float)
    return units, units * prices


def test_the_elasticity_is_found_with_its_interval():
    units, revenue = priced_history(DAYS, price=10.0, elasticity=-2.0)

    estimate = pricing.elasticity(units, revenue)

    assert estimate.reason == ""
    assert estimate.low < -2.0 < estimate.high
    assert estimate.high - estimate.low < 1.5


def test_without_price_variation_there_is_no_number():
    units = np.random.default_rng(3).poisson(20, DAYS).astype(float)

    estimate = pricing.elasticity(units, units * 10.0)

    assert estimate.value is None and estimate.low is None
    assert estimate.reason.startswith("not enough price history")


def test_the_suggestion_follows_the_elasticity_within_ten_percent():
    # inelastic demand: a higher price loses few sales → raise; elastic: lower
    inelastic = pricing.Elasticity(-0.5, -0.7, -0.3, 300, 2, "")
    elastic = pricing.Elasticity(-3.0, -3.5, -2.5, 300, 2, "")

    up = pricing.suggest(estimate=inelastic, price=Decimal("10.00"), cost=Decimal("2.00"))
    down = pricing.suggest(estimate=elastic, price=Decimal("10.00"), cost=Decimal("2.00"))
    unsure = pricing.suggest(
        estimate=pricing.Elasticity(-1.0, -2.5, 0.4, 300, 2, ""),
        price=Decimal("10.00"),
        cost=Decimal("2.00"),
    )

    assert up.price == Decimal("11.00") and up.effect_low <= up.effect <= up.effect_high
    # (11 - 2) * 1.1^-0.5 / (10 - 2) - 1
    assert up.effect == pytest.approx(9 * 1.1**-0.5 / 8 - 1)
    assert down.price < Decimal("10.00") and down.effect > 0
    assert unsure is None  # an interval reaching zero: no suggestion


@pytest.fixture
def priced_shop(db):
    """MUG-1 (price 10, cost 2) sold a year with monthly promotions, demand inelastic;
    CAP-1 (price 20) sold at one price only."""
    supplier = make_supplier("Mug Maker")
    mug, cap = sku("MUG-1", stock=50, price="10.00"), sku("CAP-1", stock=50, price="20.00")
    sells(supplier, mug, cost="2.00")
    sells(supplier, cap, cost="8.00")
    yesterday = timezone.localtime(timezone.now(), shop_zone()).date() - timedelta(days=1)
    first = yesterday - timedelta(days=DAYS - 1)
    mugs = priced_history(DAYS, price=10.0, elasticity=-0.5, seed=5)
    caps = priced_history(DAYS, price=20.0, elasticity=0.0, seed=6)
    caps = (caps[0], caps[0] * 20.0)
    SkuDailyFact.objects.bulk_create(
        SkuDailyFact(
            day=first + timedelta(days=i),
            sku=code,
            units=int(units[i]),
            revenue=Decimal(str(round(revenue[i], 2))),
            orders=1,
        )
        for code, (units, revenue) in (("MUG-1", mugs), ("CAP-1", caps))
        for i in range(DAYS)
        if units[i]
    )
    return mug


def events(type_: str) -> list[Event]:
    return list(Event.objects.filter(type=type_).order_by("id"))


def test_the_nightly_refresh_asks_about_a_better_price_once(priced_shop):
    # when it runs twice
    first = price_suggestions_refresh(actor=SYSTEM)
    second = price_suggestions_refresh(actor=SYSTEM)

    # then MUG-1 waits for the owner, asked once; CAP-1 says why not
    assert (first, second) == (1, 0)
    mug = PriceSuggestion.objects.get(sku="MUG-1", status="waiting")
    assert mug.suggested_price == Decimal("11.00") and mug.current_price == Decimal("10.00")
    assert mug.elasticity_low < -0.5 < mug.elasticity_high and mug.effect > 0
    cap = PriceSuggestion.objects.get(sku="CAP-1")
    assert cap.status == "none" and cap.suggested_price is None and cap.elasticity is None
    assert cap.reason.startswith("not enough price history")
    assert [e.payload["sku"] for e in events("analytics.price_suggested")] == ["MUG-1"]
    # nothing changed the price by itself
    assert Variant.objects.get(sku="MUG-1").price == Decimal("10.00")


def test_accepting_changes_the_price_with_its_events(priced_shop, caller):
    price_suggestions_refresh(actor=SYSTEM)
    waiting = PriceSuggestion.objects.get(sku="MUG-1", status="waiting")

    response = caller("staff").post(
        f"/api/analytics/price-suggestions/{waiting.pk}/accept", {"note": "fine"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert Variant.objects.get(sku="MUG-1").price == Decimal("11.00")
    assert events("variant.updated")[-1].payload == {"price": "11.00"}
    accepted = events("analytics.price_suggestion_accepted")
    assert len(accepted) == 1 and accepted[0].payload["note"] == "fine"
    # answered once: a second answer is refused by name
    again = caller("staff").post(f"/api/analytics/price-suggestions/{waiting.pk}/reject", {})
    assert_error(again, 422, "suggestion_not_waiting", "status")


def test_a_price_changed_since_is_not_overwritten(priced_shop, caller):
    price_suggestions_refresh(actor=SYSTEM)
    waiting = PriceSuggestion.objects.get(sku="MUG-1", status="waiting")
    Variant.objects.filter(sku="MUG-1").update(price=Decimal("12.00"))

    response = caller("owner").post(f"/api/analytics/price-suggestions/{waiting.pk}/accept", {})

    assert_error(response, 422, "price_changed", "price")
    assert Variant.objects.get(sku="MUG-1").price == Decimal("12.00")
    assert PriceSuggestion.objects.get(pk=waiting.pk).status == "waiting"


def test_a_rejected_price_is_not_asked_again(priced_shop, caller):
    price_suggestions_refresh(actor=SYSTEM)
    waiting = PriceSuggestion.objects.get(sku="MUG-1", status="waiting")

    response = caller("owner").post(
        f"/api/analytics/price-suggestions/{waiting.pk}/reject", {"note": "brand price"}
    )
    asked = price_suggestions_refresh(actor=SYSTEM)

    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert asked == 0
    assert Variant.objects.get(sku="MUG-1").price == Decimal("10.00")
    open_row = PriceSuggestion.objects.get(sku="MUG-1", status="none")
    assert open_row.reason == "you rejected this price recently"
    assert len(events("analytics.price_suggested")) == 1


def test_a_viewer_may_list_but_not_decide(priced_shop, caller):
    price_suggestions_refresh(actor=SYSTEM)
    waiting = PriceSuggestion.objects.get(sku="MUG-1", status="waiting")
    viewer = caller("viewer")

    listed = viewer.get("/api/analytics/price-suggestions?status=waiting")
    refused = viewer.post(f"/api/analytics/price-suggestions/{waiting.pk}/accept", {})

    assert [s["sku"] for s in listed.json()["items"]] == ["MUG-1"]
    assert_error(refused, 403)
    assert Variant.objects.get(sku="MUG-1").price == Decimal("10.00")
    assert_error(viewer.get("/api/analytics/price-suggestions?status=maybe"), 422)
    assert_error(viewer.post("/api/analytics/price-suggestions/999999/accept", {}), 403)
