"""Event types the analytics app emits, and the handlers it registers.

Emitted (subject: the ``analytics.forecast``):
- ``analytics.reorder_point_changed``: {sku, reorder_point, order_up_to, previous_reorder_point,
  safety_stock, lead_time_days, service_level, model, lead_time_demand}
- ``analytics.forecast_follow_changed``: {sku, follow}
- ``analytics.anomaly_detected`` (subject: the ``analytics.anomaly``): {day, metric, value,
  expected_low, expected_high, direction, z, explanation}
- ``analytics.anomaly_marked_expected``: {day, metric}
- ``analytics.price_suggested`` (subject: the ``analytics.pricesuggestion``): {sku,
  current_price, suggested_price, elasticity, effect, effect_low, effect_high}
- ``analytics.price_suggestion_accepted`` / ``_rejected``: the same and the owner's note

Handled (keeping the daily facts current: each handler only marks the days the event touched,
``services.dirty_days_mark``, and the refresh task enqueued on commit recomputes them, each
once however many events marked it — the facts are eventually current, a few seconds behind;
see ``services.facts``):
- every ``order.*`` transition: the order's day (the day it was placed, however long ago: a
  backdated import lands on its own day) and the day of its customer's next order (whose
  "new customer" it may have taken);
- ``payment.refunded``: the day the refund was recorded;
- ``email.sent``, ``flow_run.failed``, ``payment.failed``: the day of the event.
A replayed event marks the same days, recomputed from the same rows: it changes nothing.
"""

from soloops.analytics import services
from soloops.analytics.rollups import EVENT_COUNTS, local_day
from soloops.events.catalogue import EventType, Payload, declare
from soloops.orders.selectors import rollup_order_times
from soloops.payments.selectors import refund_recorded_at
from soloops.shop.selectors import shop_zone


class ReorderPointChanged(Payload):
    sku: str
    reorder_point: int
    order_up_to: int
    previous_reorder_point: int
    safety_stock: int
    lead_time_days: int
    service_level: float
    model: str
    lead_time_demand: float


class FollowChanged(Payload):
    sku: str
    follow: bool


class AnomalyDetected(Payload):
    day: str
    metric: str
    value: float
    expected_low: float
    expected_high: float
    direction: str
    z: float
    explanation: str


class AnomalyMarked(Payload):
    day: str
    metric: str


class PriceSuggested(Payload):
    sku: str
    current_price: str
    suggested_price: str
    elasticity: float
    effect: float
    effect_low: float
    effect_high: float


class PriceDecided(PriceSuggested):
    note: str


_SUBJECT = "analytics.forecast"
_PRICE = "analytics.pricesuggestion"
_ANOMALY = "analytics.anomaly"
EVENTS = declare(
    EventType(
        "analytics.anomaly_detected",
        AnomalyDetected,
        "a day's figure is far from the same weekday before (explanation says how far)",
        _ANOMALY,
    ),
    EventType(
        "analytics.anomaly_marked_expected",
        AnomalyMarked,
        "the owner marked an anomaly expected (a holiday, a promotion)",
        _ANOMALY,
    ),
    EventType(
        "analytics.reorder_point_changed",
        ReorderPointChanged,
        "a reorder policy that follows its forecast moved (why: model, lead time, service level)",
        _SUBJECT,
    ),
    EventType(
        "analytics.forecast_follow_changed",
        FollowChanged,
        "the owner let a SKU's reorder policy follow its forecast, or stopped it",
        _SUBJECT,
    ),
    EventType(
        "analytics.price_suggested",
        PriceSuggested,
        "a price that should raise a SKU's gross margin waits for the owner's decision",
        _PRICE,
    ),
    EventType(
        "analytics.price_suggestion_accepted",
        PriceDecided,
        "the owner accepted a price suggestion (the price changed: variant.updated)",
        _PRICE,
    ),
    EventType(
        "analytics.price_suggestion_rejected",
        PriceDecided,
        "the owner rejected a price suggestion",
        _PRICE,
    ),
)

ORDER_EVENTS = (
    "order.placed",
    "order.accepted",
    "order.on_hold",
    "order.rejected",
    "order.paid",
    "order.fulfilling",
    "order.shipped",
    "order.delivered",
    "order.completed",
    "order.cancelled",
)


def facts_on_order_event(event) -> None:
    zone = shop_zone()
    times = rollup_order_times(order_id=int(event.subject_id))
    services.dirty_days_mark(days={local_day(t, zone) for t in times})


def facts_on_refund(event) -> None:
    zone = shop_zone()
    recorded = refund_recorded_at(refund_id=int(event.payload["refund"]))
    days = {local_day(event.created_at, zone)}
    if recorded is not None:
        days.add(local_day(recorded, zone))
    services.dirty_days_mark(days=days)


def facts_on_counted_event(event) -> None:
    services.dirty_days_mark(days={local_day(event.created_at, shop_zone())})


HANDLERS = {
    **{type_: [facts_on_order_event] for type_ in ORDER_EVENTS},
    "payment.refunded": [facts_on_refund],
    **{type_: [facts_on_counted_event] for type_ in EVENT_COUNTS},
}
