"""The Insights API: the daily facts, the KPIs with their intervals, the forecasts with their
reorder advice, and the owner's choice to let a SKU's reorder policy follow its forecast."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from soloops.accounts.auth import api_auth
from soloops.analytics import selectors, services
from soloops.analytics.kpis import WINDOW_MAX, WINDOW_MIN
from soloops.api_input import Day, Flag, In
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["analytics"])


class DailyFactOut(Schema):
    day: date
    orders_placed: int
    orders_accepted: int
    orders_held: int
    orders_rejected: int
    orders_cancelled: int
    orders_completed: int
    orders_paid: int
    orders_shipped: int
    units: int
    revenue_gross: Decimal
    refunds_count: int
    refunds_amount: Decimal
    revenue: Decimal = Field(description="gross revenue minus the day's refunds")
    average_order_value: Decimal
    new_customers: int = Field(description="orders from customers ordering for the first time")
    returning_customers: int
    payments_failed: int
    flow_runs_failed: int
    emails_sent: int


class DailyPage(PageOut):
    items: list[DailyFactOut]


class DailyIn(PageParams):
    since: Day | None = Field(None, description="first day (YYYY-MM-DD), shop time zone")
    until: Day | None = Field(None, description="last day (YYYY-MM-DD)")


class EstimateOut(Schema):
    value: float | None = Field(description="null: no data in the window")
    low: float | None = Field(description="95 % interval; null: too little data")
    high: float | None
    n: int = Field(description="how many observations")
    method: str = Field(description="wilson, t, order_statistic or t_prediction")


class KpiOut(Schema):
    key: str
    unit: str = Field(description="share, hours, per_day or decisions")
    now: EstimateOut
    before: EstimateOut | None = Field(description="the previous window of the same length")
    changed: bool = Field(description="true: the two intervals do not overlap")


class KpiReportOut(Schema):
    since: date
    until: date
    days: int
    kpis: list[KpiOut]


class KpiIn(Schema):
    days: int = Field(28, ge=WINDOW_MIN, le=WINDOW_MAX, description="the window, in days")
    until: Day | None = Field(None, description="its last day (default today)")


@router.get("/analytics/daily", response=DailyPage, summary="The shop's figures per day")
def analytics_daily(request, params: Query[DailyIn]):
    facts = selectors.daily_facts_list(since=params.since, until=params.until)
    return paginate(facts, params)


@router.get("/analytics/kpis", response=KpiReportOut, summary="KPIs with 95 % intervals")
def analytics_kpis(request, params: Query[KpiIn]):
    report = selectors.kpi_report(days=params.days, until=params.until)
    return {
        "since": report.since,
        "until": report.until,
        "days": report.days,
        "kpis": [
            {"key": k.key, "unit": k.unit, "now": k.now, "before": k.before, "changed": k.changed}
            for k in report.kpis
        ],
    }


class ForecastPointOut(Schema):
    day: date
    mean: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


class ForecastOut(Schema):
    series: str
    sku: str
    tier: str = Field(description="short, intermittent or regular")
    model: str
    reason: str = Field(description="why this model")
    scores: dict[str, float] = Field(description="backtest MASE by candidate model")
    history_days: int
    computed_at: datetime
    lead_time_days: int | None
    service_level: float | None
    lead_time_demand: float | None
    safety_stock: int | None
    reorder_point: int | None
    order_up_to: int | None
    follow: bool = Field(description="true: purchasing's reorder policy follows this forecast")
    points: list[ForecastPointOut]


class FollowIn(In):
    follow: Flag = Field(description="true: the reorder policy follows the forecast nightly")


def _forecast_out(row) -> dict:
    data = {name: getattr(row, name) for name in ForecastOut.model_fields if name != "points"}
    data["points"] = [
        dict(zip(("mean", "lo80", "hi80", "lo95", "hi95"), values, strict=True))
        | {"day": row.first_day + timedelta(days=i)}
        for i, values in enumerate(row.points)
    ]
    return data


@router.get(
    "/analytics/forecasts/{series}",
    response=ForecastOut,
    summary="A series' forecast (shop.units, shop.revenue, sku:<SKU>) with reorder advice",
)
def analytics_forecast(request, series: str):
    return _forecast_out(selectors.forecast_get(series=series))


@router.put(
    "/analytics/forecasts/sku:{sku}/follow",
    response=ForecastOut,
    summary="Let a SKU's reorder policy follow its forecast, or keep your own values",
    auth=api_auth("reorder_policy.set"),
)
def analytics_forecast_follow(request, sku: str, payload: FollowIn):
    row = services.forecast_follow_set(sku=sku, follow=payload.follow, actor=request.auth)
    return _forecast_out(row)


class AnomalyOut(Schema):
    id: int
    day: date
    metric: str = Field(description="orders_placed, revenue, payments_failed, refunds_count, …")
    value: float
    expected_low: float = Field(description="usually from (same weekday, weeks before)")
    expected_high: float
    z: float = Field(description="robust z-score")
    direction: str = Field(description="drop or spike")
    expected: bool = Field(description="the owner marked it expected")


class AnomalyPage(PageOut):
    items: list[AnomalyOut]


class AnomaliesIn(PageParams):
    open: bool = Field(False, description="true: only those not marked expected")


@router.get("/analytics/anomalies", response=AnomalyPage, summary="Anomalies, newest first")
def analytics_anomalies(request, params: Query[AnomaliesIn]):
    return paginate(selectors.anomalies_list(open_only=params.open), params)


@router.post(
    "/analytics/anomalies/{anomaly_id}/expected",
    response=AnomalyOut,
    summary="Mark an anomaly expected (a holiday, a promotion)",
)
def analytics_anomaly_expected(request, anomaly_id: int):
    return services.anomaly_mark_expected(anomaly_id=anomaly_id, actor=request.auth)


class PriceSuggestionOut(Schema):
    id: int
    sku: str
    status: str = Field(
        description="waiting, none (reason says why), accepted, rejected, withdrawn"
    )
    reason: str
    current_price: Decimal
    unit_cost: Decimal | None
    suggested_price: Decimal | None = Field(description="null: no suggestion")
    elasticity: float | None = Field(description="own-price elasticity; null: not estimable")
    elasticity_low: float | None = Field(description="95 % interval")
    elasticity_high: float | None
    effect: float | None = Field(
        description="expected change of gross margin per day (0.05 = +5 %)"
    )
    effect_low: float | None = Field(
        description="the change at the ends of the elasticity's interval"
    )
    effect_high: float | None
    days_used: int
    decided_by: str
    decided_at: datetime | None
    note: str
    created_at: datetime


class PriceSuggestionPage(PageOut):
    items: list[PriceSuggestionOut]


class PriceSuggestionsIn(PageParams):
    status: str | None = Field(
        None, pattern="^(waiting|none|accepted|rejected|withdrawn)$", description="one status"
    )


class PriceDecisionIn(In):
    note: str = Field("", max_length=500, description="why (kept with the decision)")


@router.get(
    "/analytics/price-suggestions",
    response=PriceSuggestionPage,
    summary="Price suggestions per SKU (waiting ones are the owner's to decide)",
)
def analytics_price_suggestions(request, params: Query[PriceSuggestionsIn]):
    return paginate(selectors.price_suggestions_list(status=params.status), params)


@router.post(
    "/analytics/price-suggestions/{suggestion_id}/accept",
    response=PriceSuggestionOut,
    summary="Accept a price suggestion: the SKU's price changes",
)
def analytics_price_accept(request, suggestion_id: int, payload: PriceDecisionIn):
    return services.price_suggestion_decide(
        suggestion_id=suggestion_id, accept=True, actor=request.auth, note=payload.note
    )


@router.post(
    "/analytics/price-suggestions/{suggestion_id}/reject",
    response=PriceSuggestionOut,
    summary="Reject a price suggestion: the price stays",
)
def analytics_price_reject(request, suggestion_id: int, payload: PriceDecisionIn):
    return services.price_suggestion_decide(
        suggestion_id=suggestion_id, accept=False, actor=request.auth, note=payload.note
    )


class NightlyRunOut(Schema):
    day: date
    status: str = Field(description="queued, running, done or failed")
    done: int = Field(description="series forecast so far")
    total: int
    checked_through: date | None = Field(description="the last day checked for anomalies")
    anomalies: int
    series: int
    policies_updated: int
    error: str
    started_at: datetime | None
    finished_at: datetime | None


class NightlyRunPage(PageOut):
    items: list[NightlyRunOut]


@router.get(
    "/analytics/nightly-runs",
    response=NightlyRunPage,
    summary="The nightly insights runs, newest first, with their progress",
)
def analytics_nightly_runs(request, params: Query[PageParams]):
    return paginate(selectors.nightly_runs_list(), params)
