"""Insights: the shop's KPIs over a window of days, each with its 95 % interval and the same
figure of the window before (a change is flagged only when the intervals are apart), and the
daily facts, newest first, a page at a time.

A fixed number of queries however many orders the window holds (the KPIs read the daily
facts and two range scans of orders and the event log per window), cached until a fact
changes; plus one query for the shop's forecasts.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from soloops.analytics.selectors import (
    SHOP_SERIES,
    anomalies_list,
    daily_facts_list,
    forecasts_list,
    kpi_report,
    nightly_runs_list,
    price_suggestions_list,
)
from soloops.analytics.services import anomaly_mark_expected
from soloops.dashboard.access import console_view
from soloops.dashboard.paging import page_of
from soloops.shop.selectors import shop_currency

WINDOWS = (7, 28, 90, 365)
DEFAULT_WINDOW = 28

LABELS = {
    "completion_rate": _("Completion rate"),
    "hold_rate": _("Hold rate"),
    "refund_rate": _("Refund rate"),
    "ship_hours_mean": _("Placed → shipped, mean"),
    "ship_hours_median": _("Placed → shipped, median"),
    "deliver_hours_mean": _("Placed → delivered, mean"),
    "deliver_hours_median": _("Placed → delivered, median"),
    "decisions_per_day": _("Decisions asked of you per day"),
    "decision_wait_hours_median": _("Time a held order waited for you, median"),
    "decisions_next_week": _("Decisions expected next week"),
}
METHODS = {
    "wilson": _("Wilson score interval"),
    "t": _("t-interval on the mean"),
    "order_statistic": _("order-statistic interval (no normality assumed)"),
    "t_prediction": _("t prediction interval for a 7-day total"),
}


ANOMALIES_SHOWN = 10
PRICES_SHOWN = 20
PRICES_OTHERS_SHOWN = 100
METRIC_LABELS = {
    "orders_placed": _("Orders"),
    "revenue": _("Revenue"),
    "payments_failed": _("Failed payments"),
    "refunds_count": _("Refunds"),
    "flow_runs_failed": _("Failed flow runs"),
    "orders_held": _("Held orders"),
}
SERIES_LABELS = {"shop.units": _("Units sold per day"), "shop.revenue": _("Revenue per day")}


def _accuracy() -> list[dict]:
    """The shop's forecasts: the model chosen and its backtest MASE beside seasonal naive's."""
    return [
        {
            "label": SERIES_LABELS[f.series],
            "model": f.model,
            "mase": f.scores.get(f.model),
            "floor": f.scores.get("seasonal_naive"),
            "computed_at": f.computed_at,
        }
        for f in forecasts_list().filter(series__in=list(SHOP_SERIES))
    ]


# The start of a stored reason (data, in English) → what the page says.
PRICE_REASONS = {
    "not enough price history": _("Not enough price history"),
    "no supplier cost": _("No supplier cost: the margin cannot be estimated"),
    "the current price is about the best": _(
        "The current price is about the best within ten percent (or the estimate is unsure)"
    ),
    "you rejected": _("You rejected this price recently"),
}


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f} %"


def _price_item(row) -> dict:
    return {
        "row": row,
        "effect": _percent(row.effect),
        "effect_low": _percent(row.effect_low),
        "effect_high": _percent(row.effect_high),
        "reason": next(
            (text for start, text in PRICE_REASONS.items() if row.reason.startswith(start)),
            row.reason,
        ),
    }


def _prices() -> dict:
    """Price suggestions waiting for the owner, and the SKUs without one (with the reason,
    folded away on the page): two queries."""
    waiting = price_suggestions_list(status="waiting")[:PRICES_SHOWN]
    others = price_suggestions_list(status="none")[:PRICES_OTHERS_SHOWN]
    return {
        "waiting": [_price_item(row) for row in waiting],
        "none": [_price_item(row) for row in others],
    }


def _window(request) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_WINDOW))
    except ValueError:
        return DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW


@console_view()
def insights(request):
    days = _window(request)
    report = kpi_report(days=days)
    rows = [
        {"kpi": k, "label": LABELS[k.key], "method": METHODS[k.now.method]} for k in report.kpis
    ]
    facts = daily_facts_list(until=report.until).order_by("-day")
    context = {
        "section": "insights",
        "report": report,
        "rows": rows,
        "windows": WINDOWS,
        "days": days,
        "currency": shop_currency(),
        "page": page_of(facts, request, per_page=31),
        "accuracy": _accuracy(),
        "nightly": nightly_runs_list().first(),
        "prices": _prices(),
        "anomalies": [
            {"row": a, "label": METRIC_LABELS.get(a.metric, a.metric)}
            for a in anomalies_list(open_only=True)[:ANOMALIES_SHOWN]
        ],
    }
    return render(request, "dashboard/insights/index.html", context)


@console_view()
@require_POST
def anomaly_expected(request, anomaly_id: int):
    """Staff marks an anomaly expected (a holiday, a promotion): no alarm, no baseline."""
    anomaly_mark_expected(anomaly_id=anomaly_id, actor=request.actor)
    messages.success(request, gettext("Marked as expected."))
    return redirect("dashboard:insights")


urlpatterns = [
    path("insights/", insights, name="insights"),
    path(
        "insights/anomalies/<int:anomaly_id>/expected/",
        anomaly_expected,
        name="anomaly_expected",
    ),
]
