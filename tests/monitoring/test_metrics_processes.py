"""/metrics of a real ``soloops web`` with two gunicorn workers: their counters add up."""

import http.client
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import answers, free_port, wait_until
from tests.monitoring.test_metrics import sample

pytestmark = pytest.mark.processes

REQUESTS = 60


def get(port: int, path: str) -> tuple[int, str]:
    """One request on a new connection, so gunicorn may hand each to either worker."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def writers(metrics_dir: Path) -> set[str]:
    """The processes that wrote request counters (prometheus-client names files by pid)."""
    return {
        m.group(1) for p in metrics_dir.iterdir() if (m := re.match(r"counter_(\d+)\.db$", p.name))
    }


def test_two_gunicorn_workers_add_up(processes):
    # given a web server with two worker processes
    port = free_port()
    web = processes.start("web", "--port", str(port), "--workers", "2", "--threads", "2")
    wait_until(
        lambda: answers(f"http://127.0.0.1:{port}/healthz") or web.poll() is not None,
        timeout=60,
        what=lambda: processes.log(web),
    )
    assert web.poll() is None, processes.log(web)
    metrics_dir = Path(settings.VAR_DIR) / "metrics" / f"web-{port}"

    # when requests go to either worker, until both have served some (gunicorn's choice)
    sent = 0
    while sent < REQUESTS or len(writers(metrics_dir)) < 2:
        assert get(port, "/favicon.ico")[0] == 301  # a route nothing else requests
        sent += 1
        assert sent < 2000, "one gunicorn worker served every request"
    scrapes = [get(port, "/metrics")[1] for _ in range(6)]

    # then every scrape, whichever worker answers it, counts every request
    totals = {
        sample(
            text, "soloops_http_requests_total", route="/favicon.ico", method="GET", status="301"
        )
        for text in scrapes
    }
    assert len(totals) == 1, totals
    (total,) = totals
    assert total == sent
    assert len(writers(metrics_dir)) == 2
    assert sample(scrapes[0], "soloops_database_size_bytes") > 0
