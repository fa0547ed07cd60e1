"""Insights: the shop's KPIs over a window of days, each with its 95 % interval and the same
figure of the window before (a change is flagged only when the intervals are apart), and the
daily facts, newest first, a page at a time.

A fixed number of queries however many orders the window holds (the KPIs read the daily
facts and two range scans of orders and the event log per window), cached until a fact
changes; plus one query for the shop's forecasts.
"""

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from soloops.analytics.selectors import SHOP_SERIES, daily_facts_list, forecasts_list, kpi_report
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
    }
    return render(request, "dashboard/insights/index.html", context)


urlpatterns = [path("insights/", insights, name="insights")]
