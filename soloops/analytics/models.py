"""The analytics app's tables: the shop's figures per day, and per SKU per day.

Both are derived data: every row can be recomputed from the orders, refunds and the event log
(``soloops analytics rebuild``), so they carry no event of their own.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


def _money(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=ZERO)


class DailyFact(models.Model):
    """The shop's figures for one day in its time zone. Every day from the first order to
    today has a row, zero when nothing happened (forecasts need gap-free series).

    Order figures belong to the day the order was placed (its cohort): ``orders_completed``
    on a day counts the orders placed that day that are completed now. Refunds belong to the
    day they were recorded; ``revenue`` is the day's gross revenue minus the day's refunds.
    Money is in the shop's currency (orders in another currency are counted, not summed)."""

    day = models.DateField(_("day"), unique=True)
    orders_placed = models.PositiveIntegerField(_("orders placed"), default=0)
    orders_accepted = models.PositiveIntegerField(_("orders accepted"), default=0)
    orders_held = models.PositiveIntegerField(_("orders held"), default=0)
    orders_rejected = models.PositiveIntegerField(_("orders rejected"), default=0)
    orders_cancelled = models.PositiveIntegerField(_("orders cancelled"), default=0)
    orders_completed = models.PositiveIntegerField(_("orders completed"), default=0)
    orders_paid = models.PositiveIntegerField(_("orders paid"), default=0)
    orders_shipped = models.PositiveIntegerField(_("orders shipped"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue_gross = _money(_("gross revenue"))
    refunds_count = models.PositiveIntegerField(_("refunds"), default=0)
    refunds_amount = _money(_("refunded"))
    revenue = _money(_("net revenue"))
    average_order_value = _money(_("average order value"))
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)
    returning_customers = models.PositiveIntegerField(_("returning customers"), default=0)
    payments_failed = models.PositiveIntegerField(_("payments failed"), default=0)
    flow_runs_failed = models.PositiveIntegerField(_("flow runs failed"), default=0)
    emails_sent = models.PositiveIntegerField(_("emails sent"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("daily fact")
        verbose_name_plural = _("daily facts")

    def __str__(self) -> str:
        return f"{self.day}: {self.orders_placed} orders"


class SkuDailyFact(models.Model):
    """One SKU's sales on one day (orders that count: not rejected or cancelled). Sparse: a
    day without sales has no row; ``selectors.sku_daily_series`` fills the zeros."""

    day = models.DateField(_("day"))
    sku = models.CharField(_("SKU"), max_length=64)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue = _money(_("revenue"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sku", "day"]
        verbose_name = _("SKU daily fact")
        verbose_name_plural = _("SKU daily facts")
        constraints = [
            models.UniqueConstraint(fields=["sku", "day"], name="sku_daily_fact_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="sku_daily_fact_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.sku}: {self.units}"


class DayTimings(models.Model):
    """The processing times (placed → shipped, placed → delivered, in hours) of the counted
    orders placed on one day, packed: little-endian float64 arrays in order-id order, NaN for
    an order not shipped or delivered yet, beside the orders' ids. Derived with the daily facts
    (``rollups.days_compute``): a 365-day window of the KPIs reads 365 rows, not one per order
    (tens of thousands of rows fetched one by one were most of the Insights page's time)."""

    day = models.DateField(_("day placed"), unique=True)
    order_ids = models.BinaryField(_("orders"))
    ship_hours = models.BinaryField(_("hours to shipping"))
    deliver_hours = models.BinaryField(_("hours to delivery"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("order timings of a day")
        verbose_name_plural = _("order timings of days")

    def __str__(self) -> str:
        return str(self.day)


class Forecast(models.Model):
    """The latest forecast of one series — the shop's units (``shop.units``) or revenue
    (``shop.revenue``), or one SKU's units (``sku:MUG-1``) — for the next days, with the model
    chosen and why; for a SKU also its safety stock and reorder point. Recomputed nightly
    (``soloops analytics forecast``); ``follow`` is the owner's choice, kept across runs."""

    series = models.CharField(_("series"), max_length=80, unique=True)
    sku = models.CharField(_("SKU"), max_length=64, blank=True, default="")
    tier = models.CharField(_("tier"), max_length=16)  # short, intermittent, regular
    model = models.CharField(_("model"), max_length=32)
    reason = models.CharField(_("reason"), max_length=300)
    scores = models.JSONField(_("backtest MASE by model"), default=dict, blank=True)
    history_days = models.PositiveIntegerField(_("days of history"), default=0)
    first_day = models.DateField(_("first day forecast"))
    # One [mean, lo80, hi80, lo95, hi95] per day from first_day on.
    points = models.JSONField(_("forecast"), default=list, blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    service_level = models.FloatField(_("service level"), null=True, blank=True)
    lead_time_demand = models.FloatField(_("expected demand over the lead time"), null=True)
    safety_stock = models.PositiveIntegerField(_("safety stock"), null=True, blank=True)
    reorder_point = models.PositiveIntegerField(_("reorder point"), null=True, blank=True)
    order_up_to = models.PositiveIntegerField(_("order-up-to level"), null=True, blank=True)
    # The owner's choice: purchasing's reorder policy follows this forecast ("auto").
    follow = models.BooleanField(_("reorder policy follows the forecast"), default=False)
    computed_at = models.DateTimeField(_("computed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["series"]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")

    def __str__(self) -> str:
        return f"{self.series}: {self.model}"


class Anomaly(models.Model):
    """A day's figure far from the same weekday of the weeks before (robust z-score). The owner
    may mark it expected (a holiday, a promotion): that day then stays out of later scoring."""

    day = models.DateField(_("day"))
    metric = models.CharField(_("metric"), max_length=32)
    value = models.FloatField(_("value"))
    expected_low = models.FloatField(_("usually from"))
    expected_high = models.FloatField(_("usually to"))
    z = models.FloatField(_("robust z-score"))
    direction = models.CharField(_("direction"), max_length=8)  # drop or spike
    expected = models.BooleanField(_("marked expected"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-day", "metric"]
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        constraints = [
            models.UniqueConstraint(fields=["day", "metric"], name="anomaly_day_metric_unique"),
        ]
        indexes = [models.Index(fields=["expected", "-day"], name="anomaly_open_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.direction}"


class NightlyStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # claimed by a scheduler, handed to a worker
    RUNNING = "running", _("Running")  # a worker is at it (progress in done/total)
    DONE = "done", _("Done")  # every step finished
    FAILED = "failed", _("Failed")  # a step raised; the error says which


class NightlyRun(models.Model):
    """One night's insights work — the anomaly check of the days since the last check, the
    forecasts and reorder points — claimed once per shop day by a unique row, so two
    schedulers never run it twice; a worker does it (``services.nightly_run``)."""

    day = models.DateField(_("day"), unique=True)  # the shop day it ran on
    status = models.CharField(
        _("status"), max_length=16, choices=NightlyStatus.choices, default=NightlyStatus.QUEUED
    )
    claimed_by = models.CharField(_("claimed by"), max_length=64)
    done = models.PositiveIntegerField(_("steps done"), default=0)
    total = models.PositiveIntegerField(_("steps"), default=0)
    checked_through = models.DateField(_("anomalies checked through"), null=True, blank=True)
    anomalies = models.PositiveIntegerField(_("anomalies found"), default=0)
    series = models.PositiveIntegerField(_("series forecast"), default=0)
    policies_updated = models.PositiveIntegerField(_("reorder policies moved"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True, default="")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("nightly insights run")
        verbose_name_plural = _("nightly insights runs")
        indexes = [models.Index(fields=["status", "updated_at"], name="nightly_run_status_idx")]

    def __str__(self) -> str:
        return f"{self.day}: {self.status}"


class SuggestionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for you")  # a suggested price in the owner's queue
    NONE = "none", _("No suggestion")  # the history cannot say, or the price is fine (reason)
    ACCEPTED = "accepted", _("Accepted")  # the owner took it: the price changed
    REJECTED = "rejected", _("Rejected")  # the owner said no
    WITHDRAWN = "withdrawn", _("Withdrawn")  # a later run no longer suggests it


class PriceSuggestion(models.Model):
    """A SKU's own-price elasticity (log-log regression with weekday and season controls) and,
    when it is usable, a price within ±10 % that raises the expected gross margin. It never
    applies itself: it waits in the owner's Decisions until accepted or rejected. One open
    row (waiting or none) per SKU, refreshed nightly; decided rows stay as history."""

    sku = models.CharField(_("SKU"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=SuggestionStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True, default="")
    current_price = models.DecimalField(_("current price"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    suggested_price = models.DecimalField(
        _("suggested price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    elasticity = models.FloatField(_("elasticity"), null=True, blank=True)
    elasticity_low = models.FloatField(_("elasticity, 95 % low"), null=True, blank=True)
    elasticity_high = models.FloatField(_("elasticity, 95 % high"), null=True, blank=True)
    effect = models.FloatField(_("expected margin change"), null=True, blank=True)
    effect_low = models.FloatField(_("margin change, low"), null=True, blank=True)
    effect_high = models.FloatField(_("margin change, high"), null=True, blank=True)
    days_used = models.PositiveIntegerField(_("days with sales used"), default=0)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sku", "-created_at"]
        verbose_name = _("price suggestion")
        verbose_name_plural = _("price suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["sku"],
                condition=models.Q(status__in=["waiting", "none"]),
                name="price_suggestion_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="price_suggestion_status_idx")
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.status}"


class DirtyDay(models.Model):
    """A shop day whose facts an event touched and that no refresh has recomputed since.

    The event handlers only mark days (an upsert, cheap, in the dispatch transaction); the
    refresh task (``services.dirty_days_refresh``) claims marked days with SKIP LOCKED,
    recomputes them and deletes the rows it claimed — only if their ``token`` is still the one
    it read, so a day marked again meanwhile stays dirty and is recomputed once more."""

    day = models.DateField(_("day"), unique=True)
    token = models.CharField(_("token"), max_length=32)  # new on every mark
    marked_at = models.DateTimeField(_("marked at"))  # first mark since the last refresh
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("day to refresh")
        verbose_name_plural = _("days to refresh")
        # the scheduler's sweep: days marked long ago (their task was lost)
        indexes = [models.Index(fields=["marked_at"], name="dirty_day_marked_idx")]

    def __str__(self) -> str:
        return f"{self.day} (marked {self.marked_at:%H:%M:%S})"
