"""Monitoring's flow-run alerts, fed by the engine's figures through the scheduler's wiring:
runs failed (in the failed inbox) and runs stalled (a wait whose time passed long ago and that
nobody woke), each firing once and resolving when the runs move on."""

import pytest
from django.utils import timezone

import soloops.scheduler  # noqa: F401 (hands the engine's figures to the detectors)
from soloops.automation.models import FlowRun, RunStatus
from soloops.automation.services import flow_run_cancel, flow_runs_wake_due
from soloops.monitoring.models import Alert
from soloops.monitoring.services import alerts_evaluate
from tests.automation.conftest import SYSTEM, later, publish, reload, start

WAIT_AN_HOUR = """\
name: Wait an hour
trigger: {manual: true}
steps:
  - wait: 1h
  - do: probe.write
    with: {name: woke}
"""

FAILS = """\
name: Fails
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: flaky, fail_times: 5}
    retry: {attempts: 1}
"""


def open_alert(key: str) -> Alert | None:
    return Alert.objects.filter(key=key).exclude(status="resolved").first()


@pytest.fixture
def quiet(db, settings):
    settings.ALERT_RUNS_STALLED_MINUTES = 15
    settings.ALERT_RUNS_FAILED = 1


def test_a_run_whose_wait_passed_long_ago_is_stalled_until_woken(quiet, settle, probe_dir):
    # given a run waiting an hour
    run = start(publish(WAIT_AN_HOUR))
    settle()
    assert reload(run).status == RunStatus.WAITING

    # when the detectors run while its time has not come
    alerts_evaluate()

    # then nothing is wrong
    assert open_alert("runs_stalled") is None

    # when its wake time passed half an hour ago (the scheduler was down meanwhile)
    FlowRun.objects.filter(pk=run.pk).update(wake_at=later(minutes=-30))
    alerts_evaluate()

    # then the stalled-runs alert fires, critical, counting it
    stalled = open_alert("runs_stalled")
    assert stalled.severity == "critical"
    assert stalled.title.startswith("1 flow runs have not moved for more than 15 minutes")

    # when the scheduler is back and wakes it, and it finishes
    assert flow_runs_wake_due(now=timezone.now()) == 1
    settle()
    alerts_evaluate()

    # then the alert is resolved
    assert reload(run).status == RunStatus.COMPLETED
    assert open_alert("runs_stalled") is None
    assert Alert.objects.get(key="runs_stalled").status == "resolved"


def test_a_failed_run_fires_until_it_leaves_the_failed_inbox(quiet, settle, probe_dir):
    # given a run whose only step fails on its one attempt
    run = start(publish(FAILS))
    settle()
    assert reload(run).status == RunStatus.FAILED

    # when
    alerts_evaluate()
    alerts_evaluate()

    # then one alert, seen twice
    failed = open_alert("runs_failed")
    assert (failed.severity, failed.seen_count) == ("warning", 2)
    assert failed.title.startswith("1 flow runs failed")

    # when the owner cancels it out of the inbox
    flow_run_cancel(run=reload(run), actor=SYSTEM)
    settle()
    alerts_evaluate()

    # then
    assert open_alert("runs_failed") is None
