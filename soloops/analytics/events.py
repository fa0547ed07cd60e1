"""Event types the analytics app emits, and the handlers it registers.

Handled (keeping the daily facts current, ``services.daily_facts_refresh``):
- every ``order.*`` transition: the order's day (the day it was placed, however long ago: a
  backdated import lands on its own day) and the day of its customer's next order (whose
  "new customer" it may have taken);
- ``payment.refunded``: the day the refund was recorded;
- ``email.sent``, ``flow_run.failed``, ``payment.failed``: the day of the event.
A replayed event recomputes the same days from the same rows: it changes nothing.
"""

from soloops.analytics import services
from soloops.analytics.rollups import EVENT_COUNTS, local_day
from soloops.events.catalogue import declare
from soloops.orders.selectors import rollup_order_times
from soloops.payments.selectors import refund_recorded_at
from soloops.shop.selectors import shop_zone

EVENTS = declare()

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
    services.daily_facts_refresh(days={local_day(t, zone) for t in times})


def facts_on_refund(event) -> None:
    zone = shop_zone()
    recorded = refund_recorded_at(refund_id=int(event.payload["refund"]))
    days = {local_day(event.created_at, zone)}
    if recorded is not None:
        days.add(local_day(recorded, zone))
    services.daily_facts_refresh(days=days)


def facts_on_counted_event(event) -> None:
    services.daily_facts_refresh(days={local_day(event.created_at, shop_zone())})


HANDLERS = {
    **{type_: [facts_on_order_event] for type_ in ORDER_EVENTS},
    "payment.refunded": [facts_on_refund],
    **{type_: [facts_on_counted_event] for type_ in EVENT_COUNTS},
}
