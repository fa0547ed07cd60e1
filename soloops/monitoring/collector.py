"""The figures ``/metrics`` reads from the database at scrape time.

They are gauges and totals of rows, not in-process counters, so every web process — on one
machine or several — answers the same numbers, and a restart loses nothing. Each source is a
small function yielding metric families; one that fails (a table locked, a backend that has no
such queue) is counted in ``soloops_metrics_source_errors`` and the others are still served.

Sources from the apps this one may not import (the flow engine sits beside monitoring, not
below it) are added at start-up by the layer above: ``services.metrics_source_add``.
"""

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from soloops.emails.selectors import email_counts_by_status
from soloops.events.selectors import dispatch_backlog, event_counts_by_type
from soloops.inventory.selectors import skus_out_of_stock_count
from soloops.monitoring.models import BackupRecord, Heartbeat, ProcessRole, RecoveryCount
from soloops.orders.selectors import order_counts_by_channel_status, revenue_by_currency

logger = logging.getLogger(__name__)

Source = Callable[[], Iterable[Metric]]

# The business facts counted from the event log (each a counter: events are never deleted).
BUSINESS_EVENTS = (
    "order.placed",
    "order.accepted",
    "order.on_hold",
    "order.rejected",
    "order.cancelled",
    "payment.captured",
    "payment.failed",
    "payment.refund_failed",
    "stock.out",
    "stock.low",
)


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else max(0.0, (now - moment).total_seconds())


def tasks_source() -> Iterable[Metric]:
    """The database task queue: tasks ready to run, and how long the oldest has waited."""
    if settings.TASK_BACKEND != "db":
        return  # Celery's queue lives in the broker; watch it with the broker's exporter.
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready().aggregate(n=Count("id"), oldest=Min("enqueued_at"))
    now = timezone.now()
    yield GaugeMetricFamily(
        "soloops_tasks_queued", "Tasks ready to run, not yet taken.", ready["n"]
    )
    yield GaugeMetricFamily(
        "soloops_task_queue_age_seconds",
        "How long the oldest ready task has waited (0 when none waits).",
        _age(ready["oldest"], now) or 0.0,
    )
    failed = DBTaskResult.objects.filter(status="FAILED").count()
    yield GaugeMetricFamily("soloops_tasks_failed", "Tasks whose last run raised.", failed)


def events_source() -> Iterable[Metric]:
    backlog = dispatch_backlog()
    yield GaugeMetricFamily(
        "soloops_events_undispatched", "Events committed, not yet dispatched.", backlog.undispatched
    )
    yield GaugeMetricFamily(
        "soloops_event_dispatch_lag_seconds",
        "Age of the oldest event waiting for dispatch (0 when none waits).",
        _age(backlog.oldest_at, timezone.now()) or 0.0,
    )
    yield GaugeMetricFamily(
        "soloops_events_dispatch_failed", "Events whose dispatch gave up.", backlog.failed
    )
    counts = CounterMetricFamily(
        "soloops_business_events", "Business events recorded, by type.", labels=["type"]
    )
    for event_type, n in event_counts_by_type(types=list(BUSINESS_EVENTS)).items():
        counts.add_metric([event_type], n)
    yield counts


def heartbeats_source() -> Iterable[Metric]:
    """Seconds since the freshest worker and scheduler beat, and how many beat recently."""
    rows = dict(
        Heartbeat.objects.order_by()
        .values_list("role")
        .annotate(last=Max("beat_at"))
        .values_list("role", "last")
    )
    now = timezone.now()
    age = GaugeMetricFamily(
        "soloops_heartbeat_age_seconds",
        "Seconds since the freshest process of a role beat (absent: none ever did).",
        labels=["role"],
    )
    for role in ProcessRole.values:
        if role in rows:
            age.add_metric([role], _age(rows[role], now))
    yield age
    cutoff = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    alive = dict(
        Heartbeat.objects.filter(beat_at__gte=cutoff)
        .order_by()
        .values_list("role")
        .annotate(n=Count("id"))
    )
    processes = GaugeMetricFamily(
        "soloops_processes_alive", "Processes of a role with a fresh heartbeat.", labels=["role"]
    )
    for role in ProcessRole.values:
        processes.add_metric([role], alive.get(role, 0))
    yield processes


def database_size_bytes() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int(pages * cursor.fetchone()[0])
        if connection.vendor == "mysql":
            cursor.execute(
                "SELECT COALESCE(SUM(data_length + index_length), 0)"
                " FROM information_schema.tables WHERE table_schema = DATABASE()"
            )
            return int(cursor.fetchone()[0])
    return 0


def database_source() -> Iterable[Metric]:
    yield GaugeMetricFamily(
        "soloops_database_size_bytes", "Size of the shop's database.", database_size_bytes()
    )


def backup_source() -> Iterable[Metric]:
    last = BackupRecord.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is None:
        return  # no backup yet: the series is absent, which an alert on absent() catches
    yield GaugeMetricFamily(
        "soloops_backup_last_success_timestamp_seconds",
        "When the newest backup finished (Unix time).",
        last.timestamp(),
    )
    yield GaugeMetricFamily(
        "soloops_backup_age_seconds",
        "Seconds since the newest backup finished.",
        _age(last, timezone.now()),
    )


def business_source() -> Iterable[Metric]:
    orders = GaugeMetricFamily(
        "soloops_orders",
        "Orders the shop has, by channel and status.",
        labels=["channel", "status"],
    )
    for (channel, status), n in sorted(order_counts_by_channel_status().items()):
        orders.add_metric([channel, status], n)
    yield orders
    revenue = GaugeMetricFamily(
        "soloops_revenue",
        "Total of orders paid and not cancelled since, by currency.",
        labels=["currency"],
    )
    for currency, total in sorted(revenue_by_currency().items()):
        revenue.add_metric([currency], float(total))
    yield revenue
    yield GaugeMetricFamily(
        "soloops_skus_out_of_stock",
        "Stock rows of active SKUs with nothing available.",
        skus_out_of_stock_count(),
    )
    emails = GaugeMetricFamily(
        "soloops_emails", "Customer and owner emails, by send status.", labels=["status"]
    )
    counts = email_counts_by_status()
    for status in ("queued", "sending", "sent", "failed", "gave_up"):
        emails.add_metric([status], counts.get(status, 0))
    yield emails


def recoveries_source() -> Iterable[Metric]:
    from soloops.monitoring.services.recoveries import KINDS

    counts = dict(RecoveryCount.objects.values_list("kind", "count"))
    recovered = CounterMetricFamily(
        "soloops_recovered",
        "Times SoloOps recovered by itself (lost events relayed, lost emails handed out again).",
        labels=["kind"],
    )
    for kind in KINDS:
        recovered.add_metric([kind], counts.get(kind, 0))
    yield recovered


SOURCES: dict[str, Source] = {
    "recoveries": recoveries_source,
    "tasks": tasks_source,
    "events": events_source,
    "heartbeats": heartbeats_source,
    "database": database_source,
    "backup": backup_source,
    "business": business_source,
}


class DatabaseCollector:
    """A prometheus-client collector: every source, each failing alone."""

    def collect(self) -> Iterable[Metric]:
        errors = GaugeMetricFamily(
            "soloops_metrics_source_errors",
            "1 for a source that failed in this scrape (its figures are missing).",
            labels=["source"],
        )
        started = time.perf_counter()
        for name, source in list(SOURCES.items()):
            try:
                collected = list(source())
            except Exception:
                logger.exception("metrics source %s failed", name)
                errors.add_metric([name], 1)
                continue
            errors.add_metric([name], 0)
            yield from collected
        yield errors
        yield GaugeMetricFamily(
            "soloops_metrics_scrape_seconds",
            "Time this scrape spent reading the database.",
            time.perf_counter() - started,
        )


def gauge_add(*, name: str, help: str, label: str, read: Callable[[], dict[str, int]]) -> None:
    """Serve ``read()`` — {label value: number} — as one labelled gauge."""

    def source() -> Iterable[Metric]:
        gauge = GaugeMetricFamily(name, help, labels=[label])
        for value, n in sorted(read().items()):
            gauge.add_metric([value], n)
        yield gauge

    SOURCES[name] = source
