"""Alerts: fired once per condition, deduplicated while it lasts, resolved when it clears, each
transition an event; the owner's email and the chat webhook told; quiet hours respected."""

import http.server
import json
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.accounts.services import user_create
from soloops.emails.models import EmailSend
from soloops.events.selectors import event_counts_by_type
from soloops.monitoring.models import Alert
from soloops.monitoring.services import (
    alert_acknowledge,
    alert_snooze,
    alerts_evaluate,
    heartbeat_beat,
)
from soloops.monitoring.tasks import alert_webhook_post
from soloops.orders.services import order_place
from tests.conftest import free_port
from tests.factories import SYSTEM, draft, make_variant

WORKER = "process_silent:worker"


@pytest.fixture
def owner(db):
    return user_create(
        username="olivia",
        email="olivia@example.com",
        password="a long enough pass 42",
        role="owner",
        actor=SYSTEM,
    )


def beat(role: str) -> None:
    heartbeat_beat(process_id=f"{role}-1", role=role, started_at=timezone.now())


def alert(key: str) -> Alert | None:
    return Alert.objects.filter(key=key).order_by("-id").first()


def test_a_silent_worker_fires_once_and_resolves_when_it_beats(owner, run_after_commit):
    # given no worker has beaten; the scheduler has
    beat("scheduler")

    # when the detectors run twice
    alerts_evaluate()
    alerts_evaluate()

    # then one alert, seen twice, one event, one email to the owner
    fired = alert(WORKER)
    assert (fired.status, fired.severity, fired.seen_count) == ("firing", "critical", 2)
    assert Alert.objects.filter(key=WORKER).count() == 1
    assert alert("process_silent:scheduler") is None
    assert event_counts_by_type(types=["alert.fired"]) == {"alert.fired": 1}
    mails = EmailSend.objects.filter(to="olivia@example.com")
    assert [m.subject_line for m in mails] == [f"[My Shop] [ALERT] {fired.title}"]

    # when the worker beats again
    beat("worker")
    alerts_evaluate()

    # then
    fired.refresh_from_db()
    assert fired.status == "resolved" and fired.resolved_at is not None
    assert event_counts_by_type(types=["alert.resolved"]) == {"alert.resolved": 1}
    subjects = list(EmailSend.objects.order_by("id").values_list("subject_line", flat=True))
    assert len(subjects) == 2
    assert subjects[1].startswith("[My Shop] [RESOLVED]")


def test_a_backlog_older_than_the_threshold_fires(owner, settings):
    # given events nobody dispatched (no worker here) and a threshold of zero minutes
    beat("worker"), beat("scheduler")
    make_variant("MUG-1", stock=5)
    order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)
    settings.ALERT_EVENT_BACKLOG_MINUTES = 0

    # when
    alerts_evaluate()

    # then
    backlog = alert("event_backlog")
    assert backlog is not None and backlog.status == "firing"
    assert "wait for dispatch" in backlog.title


def test_no_backlog_alert_under_the_threshold(owner, settings):
    beat("worker"), beat("scheduler")
    make_variant("MUG-1", stock=5)
    order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)
    settings.ALERT_EVENT_BACKLOG_MINUTES = 10

    alerts_evaluate()

    assert alert("event_backlog") is None


def failing_tasks(n: int) -> None:
    """Real tasks that really fail: webhook posts to a port nobody listens on."""
    for i in range(n):
        alert_webhook_post.enqueue(
            url=f"http://127.0.0.1:{free_port()}/", message={}, idempotency_key=f"k{i}"
        )


def test_quiet_hours_hold_warnings_and_let_critical_alerts_through(
    owner, settings, run_after_commit
):
    # given it is quiet time now, a silent worker (critical) and failing tasks (warning)
    hour = timezone.now().hour  # the shop's time zone is UTC here
    settings.ALERT_QUIET_HOURS = (hour, (hour + 2) % 24)
    settings.ALERT_TASKS_FAILED_PER_HOUR = 2
    beat("scheduler")
    failing_tasks(2)
    run_after_commit()

    # when
    alerts_evaluate()

    # then both fire, only the critical one is sent
    warning, critical = alert("tasks_failing"), alert(WORKER)
    assert warning.severity == "warning" and warning.notified_at is None
    assert critical.notified_at is not None
    subjects = list(EmailSend.objects.values_list("subject_line", flat=True))
    assert subjects == [f"[My Shop] [ALERT] {critical.title}"]

    # when quiet time is over
    settings.ALERT_QUIET_HOURS = None
    alerts_evaluate()

    # then the held warning goes out
    assert EmailSend.objects.filter(subject_line=f"[My Shop] [ALERT] {warning.title}").count() == 1


def test_acknowledged_stays_quiet_and_snoozed_fires_again_when_due(owner):
    # given
    beat("scheduler")
    alerts_evaluate()
    fired = alert(WORKER)

    # when acknowledged, the condition still holding
    alert_acknowledge(alert=fired, actor=SYSTEM)
    alerts_evaluate()

    # then it stays acknowledged, not a new alert
    assert alert(WORKER).status == "acknowledged"
    assert Alert.objects.filter(key=WORKER).count() == 1

    # when snoozed until a moment now past
    alert_snooze(alert=fired, until=timezone.now() - timedelta(seconds=1), actor=SYSTEM)
    alerts_evaluate()

    # then it fires again
    assert alert(WORKER).status == "firing"
    assert event_counts_by_type(types=["alert.snoozed", "alert.acknowledged"]) == {
        "alert.snoozed": 1,
        "alert.acknowledged": 1,
    }


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.headers["Idempotency-Key"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_chat_webhook_gets_the_alert_with_an_idempotency_key(owner, settings, run_after_commit):
    # given a chat server (a real HTTP server standing in for Slack/Feishu)
    server = http.server.HTTPServer(("127.0.0.1", free_port()), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hook"
    _Hook.received.clear()
    beat("scheduler")

    # when
    try:
        alerts_evaluate()
        run_after_commit()
    finally:
        server.shutdown()

    # then
    fired = alert(WORKER)
    ((key, message),) = _Hook.received
    assert key == f"soloops-alert-{fired.pk}-fired"
    assert message["text"] == f"[ALERT] {fired.title}"
    assert message["content"] == {"text": message["text"]}
    assert message["alert"]["detector"] == "process_silent"
