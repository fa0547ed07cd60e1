"""The request metrics every web process records, and the ``/metrics`` exposition.

Gunicorn runs several worker processes; each keeps its own counters. In multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR`` set, which ``soloops web`` does before it forks) each process
writes its samples to memory-mapped files in that directory and a scrape adds them up, so
``/metrics`` answers the same totals whichever worker serves it. Without the directory (a test
client, ``manage runserver``) the process's own registry answers.

Figures that live in the database (queues, backlogs, orders, revenue) are not counted here:
``collector.DatabaseCollector`` reads them at scrape time, so they add up across machines too.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from soloops.monitoring.collector import DatabaseCollector

# Buckets for a back office: most pages take milliseconds, a PDF or an import seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "soloops_http_requests",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "soloops_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by route pattern.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)


def request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request. ``route`` is the URL pattern (``orders/<str:number>/``),
    never the path, so an order number does not make a new series."""
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route, method=method).observe(seconds)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> tuple[bytes, str]:
    """The Prometheus text of every process's request metrics plus the database figures."""
    if multiprocess_dir():
        registry = CollectorRegistry(auto_describe=False)
        prometheus_multiprocess.MultiProcessCollector(registry)
        registry.register(DatabaseCollector())
        return generate_latest(registry), CONTENT_TYPE_LATEST
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessCollector())
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessCollector:
    """This process's own metrics from the default registry (single-process mode)."""

    def collect(self):
        yield from REGISTRY.collect()
