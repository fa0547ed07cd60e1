"""The detectors of orders waiting too long (paid not shipped, held too long), SKUs out of stock
that waiting orders need, paused outbound webhooks, and the analytics app's unusual days (read
from its events): each fires once with a count, and resolves when the condition clears."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

import soloops.scheduler  # noqa: F401 (hands the webhooks' figures to the detectors)
from soloops.analytics.models import Anomaly, DailyFact
from soloops.analytics.services import anomalies_detect, anomaly_mark_expected
from soloops.integrations.services.webhooks import (
    webhook_subscription_create,
    webhook_subscription_pause,
    webhook_subscription_resume,
)
from soloops.inventory.models import MovementKind
from soloops.inventory.services import stock_change
from soloops.monitoring.models import Alert
from soloops.monitoring.services import alerts_evaluate
from soloops.orders.models import Order
from soloops.orders.services import order_accept, order_hold, order_mark_paid, order_place
from tests.analytics.test_anomalies import ORDERS_CUT, year
from tests.factories import SYSTEM, draft, make_variant


def open_alert(key: str) -> Alert | None:
    return Alert.objects.filter(key=key).exclude(status="resolved").first()


@pytest.fixture
def shop(db):
    make_variant("CAP-1", stock=0)
    return make_variant("MUG-1", stock=5)


def place(*lines, **fields) -> Order:
    order, _created = order_place(draft=draft(*lines, **fields), channel="api", actor=SYSTEM)
    return order


def test_a_paid_order_not_shipped_after_the_threshold_fires(shop, settings):
    # given an order paid just now
    order = order_mark_paid(order=place(("MUG-1", 1)), actor=SYSTEM)
    settings.ALERT_PAID_NOT_SHIPPED_DAYS = 3

    # when the detectors run now, and three days on
    alerts_evaluate()
    assert open_alert("paid_not_shipped") is None
    settings.ALERT_PAID_NOT_SHIPPED_DAYS = 0
    alerts_evaluate()

    # then one warning naming the order
    fired = open_alert("paid_not_shipped")
    assert fired.severity == "warning"
    assert fired.title == "1 paid orders not shipped after 0 days"
    assert order.number in fired.detail


def test_a_held_order_counts_from_when_it_was_held_not_when_placed(shop, settings):
    # given an order placed (and accepted) two days ago and held just now
    order = place(("MUG-1", 1))
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(days=2))
    order_hold(order=order, actor=SYSTEM, reason="Looks odd")
    settings.ALERT_HELD_HOURS = 24

    # when
    alerts_evaluate()

    # then it has not been held 24 hours: no alert
    assert open_alert("held_too_long") is None

    # when the threshold is passed
    settings.ALERT_HELD_HOURS = 0
    alerts_evaluate()

    # then it fires, and resolves once the owner decides
    assert order.number in open_alert("held_too_long").detail
    order_accept(order=order, actor=SYSTEM)
    alerts_evaluate()
    assert open_alert("held_too_long") is None


def test_a_sold_out_sku_that_open_orders_carry_fires_until_restocked(shop):
    # given two open orders that took the last two mugs; caps have no stock and no orders
    mug = shop
    place(("MUG-1", 3))
    place(("MUG-1", 2), email="bo@example.com")

    # when
    alerts_evaluate()

    # then one alert for the mug, none for the cap nobody ordered
    sold_out = open_alert("sku_out_of_stock:MUG-1")
    assert sold_out.title == "MUG-1 is out of stock and 2 open orders carry it"
    assert open_alert("sku_out_of_stock:CAP-1") is None

    # when the mug is restocked
    stock_change(variant=mug, quantity=10, kind=MovementKind.RECEIPT, actor=SYSTEM)
    alerts_evaluate()

    # then
    assert open_alert("sku_out_of_stock:MUG-1") is None


def test_a_paused_webhook_fires_until_resumed(db):
    # given a subscription paused after failures
    sub = webhook_subscription_create(
        name="ERP", url="https://erp.example.com/hook", event_types=["order.placed"], actor=SYSTEM
    )
    webhook_subscription_pause(subscription=sub, actor=SYSTEM, reason="5 failures in a row")

    # when
    alerts_evaluate()

    # then
    paused = open_alert(f"webhook_paused:{sub.pk}")
    assert paused.title == "The webhook ERP is paused; its deliveries wait"
    assert "5 failures in a row" in paused.detail

    # when resumed
    webhook_subscription_resume(subscription=sub, actor=SYSTEM)
    alerts_evaluate()

    # then
    assert open_alert(f"webhook_paused:{sub.pk}") is None


def test_an_unusual_day_found_by_analytics_fires_until_marked_expected(db):
    # given a year of figures and the cut day scored, as the nightly run does
    DailyFact.objects.bulk_create(year(np.random.default_rng(3)))
    anomalies_detect(actor=SYSTEM, day=ORDERS_CUT)
    cut = Anomaly.objects.get(day=ORDERS_CUT, metric="orders_placed")

    # when
    alerts_evaluate()

    # then an alert about the day, explained
    key = f"anomaly:orders_placed:{ORDERS_CUT.isoformat()}"
    fired = open_alert(key)
    assert fired.title.startswith(f"Unusual orders_placed on {ORDERS_CUT.isoformat()}")
    assert ORDERS_CUT.strftime("%A") in fired.detail

    # when the owner marks it expected
    anomaly_mark_expected(anomaly_id=cut.pk, actor=SYSTEM)
    alerts_evaluate()

    # then
    assert open_alert(key) is None
