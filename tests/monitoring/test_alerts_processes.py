"""With real processes: kill the worker → the scheduler raises the alert within its threshold
→ a new worker → the alert resolves."""

import signal

import pytest

from soloops.monitoring.models import Alert, Heartbeat
from tests.conftest import wait_until

pytestmark = pytest.mark.processes

KEY = "process_silent:worker"
FAST = {"SOLOOPS_ALERT_PROCESS_SILENT": "8", "SOLOOPS_ALERT_INTERVAL": "1"}


def open_alert():
    return Alert.objects.filter(key=KEY).exclude(status="resolved").first()


def test_killed_worker_alerts_then_resolves_when_a_worker_is_back(processes):
    # given a scheduler watching and a worker beating
    scheduler = processes.start("scheduler", env=FAST)
    worker = processes.start("worker", env=FAST)
    log = lambda: processes.log(scheduler) + processes.log(worker)  # noqa: E731
    wait_until(lambda: Heartbeat.objects.filter(role="worker").exists(), timeout=60, what=log)
    wait_until(lambda: open_alert() is None, timeout=60, what=log)

    # when the worker dies without a word
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    # then the alert fires
    fired = wait_until(open_alert, timeout=60, what=log)
    assert fired.status == "firing"

    # when a worker runs again
    processes.start("worker", env=FAST)

    # then it resolves
    wait_until(lambda: open_alert() is None, timeout=60, what=log)
    fired.refresh_from_db()
    assert fired.status == "resolved"
    assert fired.resolved_at > fired.fired_at
