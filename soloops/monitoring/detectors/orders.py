"""Orders waiting too long for someone: paid but not shipped after N days, held for the
owner's decision longer than N hours; and SKUs sold out while open orders carry them. One
alert per condition (not per order), its title counting the orders."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.events.selectors import subject_event_times
from soloops.inventory.selectors import stock_for_skus
from soloops.monitoring.detectors import Finding
from soloops.orders.selectors import open_order_counts_by_sku, orders_in_status

SHOWN = 5  # order numbers named in the alert's detail


def _waiting_since(*, statuses: list[str], entered: str, cutoff) -> list[str]:
    """Numbers of the orders in ``statuses`` that entered the status (the newest ``entered``
    event, else when placed) before ``cutoff``, longest waiting first."""
    candidates = orders_in_status(statuses=statuses, placed_before=cutoff)
    if not candidates:
        return []
    since = {str(pk): placed for pk, _number, _status, placed in candidates}
    times = subject_event_times(
        types=[entered], subject_type="orders.order", subject_ids=list(since)
    )
    for _type, subject_id, at in times:  # oldest first: the newest wins
        since[subject_id] = at
    late = [
        (since[str(pk)], number) for pk, number, _s, _p in candidates if since[str(pk)] < cutoff
    ]
    return [number for _at, number in sorted(late)]


def _finding(key: str, numbers: list[str], title: str) -> list[Finding]:
    if not numbers:
        return []
    shown = ", ".join(numbers[:SHOWN]) + (" …" if len(numbers) > SHOWN else "")
    return [
        Finding(
            key=key,
            severity="warning",
            title=title,
            detail=_("Orders: %(numbers)s") % {"numbers": shown},
        )
    ]


def paid_not_shipped() -> list[Finding]:
    days = settings.ALERT_PAID_NOT_SHIPPED_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    numbers = _waiting_since(statuses=["paid", "fulfilling"], entered="order.paid", cutoff=cutoff)
    title = _("%(count)d paid orders not shipped after %(days)g days") % {
        "count": len(numbers),
        "days": days,
    }
    return _finding("paid_not_shipped", numbers, title)


def held_too_long() -> list[Finding]:
    hours = settings.ALERT_HELD_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    numbers = _waiting_since(statuses=["on_hold"], entered="order.on_hold", cutoff=cutoff)
    title = _("%(count)d orders held for your decision for more than %(hours)g hours") % {
        "count": len(numbers),
        "hours": hours,
    }
    return _finding("held_too_long", numbers, title)


def sku_out_of_stock() -> list[Finding]:
    """One alert per active SKU with nothing left to sell that open orders carry: they have
    their stock, but new orders for it are refused and the next ones will wait. Resolves when
    it is restocked (or its orders are done)."""
    open_orders = open_order_counts_by_sku()
    stock = stock_for_skus(sorted(open_orders))
    return [
        Finding(
            key=f"sku_out_of_stock:{sku}",
            severity="warning",
            title=_("%(sku)s is out of stock and %(count)d open orders carry it")
            % {"sku": sku, "count": open_orders[sku]},
            detail=_("New orders for it are refused. Receive stock or order from the supplier."),
        )
        for sku, row in sorted(stock.items())
        if row.variant.active and row.on_hand - row.reserved <= 0
    ]
