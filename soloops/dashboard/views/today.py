"""Today: the shop at a glance — today's orders and revenue against the same weekday last
week, what needs the owner, and the last 30 days in two charts.

Every figure is an aggregate: the whole page is a fixed handful of queries however many
orders the shop has (see ``orders.selectors.sales_overview``).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from soloops.analytics.selectors import anomalies_list
from soloops.automation.selectors import runs_failed_count
from soloops.dashboard.access import console_view
from soloops.dashboard.waiting import waiting_queue
from soloops.integrations.selectors.channels import channel_orders_held_count
from soloops.integrations.selectors.webhooks import webhook_subscriptions_paused
from soloops.monitoring.selectors import alerts_open_count
from soloops.orders.selectors import orders_exist, orders_on_hold_count, sales_overview
from soloops.purchasing.selectors import (
    PurchaseOrderFilters,
    purchase_orders_list,
    sku_stock_list,
)

CHART_DAYS = 30
WAITING_SHOWN = 10


@dataclass(frozen=True)
class Change:
    """Today's figure against last week's by the same time."""

    before: int | Decimal
    delta: int | Decimal
    percent: int | None  # None when there was nothing last week

    @property
    def direction(self) -> str:
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"

    @property
    def magnitude(self) -> int | Decimal:
        return abs(self.delta)

    @property
    def abs_percent(self) -> int | None:
        return abs(self.percent) if self.percent is not None else None


def _change(now: int | Decimal, before: int | Decimal) -> Change:
    percent = round((now - before) * 100 / before) if before else None
    return Change(before=before, delta=now - before, percent=percent)


def _charts(sales) -> tuple[dict, dict]:
    revenue = {
        "labels": [date_format(day.day, "MONTH_DAY_FORMAT") for day in sales.days],
        "revenue": [str(day.revenue) for day in sales.days],
        "orders": [day.orders for day in sales.days],
        "currency": sales.currency,
        "label": _("Revenue (%(currency)s)") % {"currency": sales.currency},
        "orders_label": _("orders"),
    }
    statuses = {
        "labels": [str(label) for _value, label, _n in sales.by_status],
        "statuses": [value for value, _label, _n in sales.by_status],
        "counts": [n for _value, _label, n in sales.by_status],
        "label": _("Orders"),
    }
    return revenue, statuses


@console_view()
def today(request):
    now = timezone.localtime()
    sales = sales_overview(now=now, days=CHART_DAYS)
    last_week = sales.same_time_last_week
    revenue_chart, status_chart = _charts(sales)
    context = {
        "section": "today",
        "now": now,
        "days": CHART_DAYS,
        "sales": sales,
        "last_week_day": now.date() - timedelta(days=7),
        "orders_change": _change(sales.today.orders, last_week["orders"]),
        "revenue_change": _change(sales.today.revenue, last_week["revenue"]),
        "on_hold": orders_on_hold_count(),
        "failed_runs": runs_failed_count(),
        "open_alerts": alerts_open_count(),
        "low_stock": sku_stock_list(low=True).count(),
        "purchase_orders_due": purchase_orders_list(
            PurchaseOrderFilters(due_by=now.date())
        ).count(),
        "purchase_order_drafts": purchase_orders_list(PurchaseOrderFilters(status="draft")).count(),
        "waiting": waiting_queue(per_kind=WAITING_SHOWN),
        # Outside tools no longer hear from the shop until the owner resumes them.
        "paused_webhooks": webhook_subscriptions_paused(),
        # Orders a sales channel sent that could not come in as they are (an unknown SKU).
        "channel_orders_held": channel_orders_held_count(),
        # Insights' unusual days of the last week not marked expected (anomaly_open_idx).
        "anomalies": anomalies_list(open_only=True)
        .filter(day__gte=now.date() - timedelta(days=7))
        .count(),
        "revenue_chart": revenue_chart,
        "status_chart": status_chart,
        # Only asked when the last 30 days had no order at all.
        "shop_empty": not sales.by_status and not orders_exist(),
    }
    return render(request, "dashboard/today/index.html", context)


urlpatterns = [path("", today, name="today")]
