"""The nightly insights run: claimed once per shop day from its hour (however many schedulers
ask), done by the real database worker (anomalies of the days since the last check, forecasts
and reorder points, price suggestions), handed out again when its worker was lost, and left
alone once done."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from soloops.analytics.models import Anomaly, DailyFact, DayTimings, Forecast, NightlyRun
from soloops.analytics.services import nightly_due, nightly_run
from soloops.shop.selectors import shop_zone
from tests.analytics.conftest import dispatch_pending, place, timings_snapshot
from tests.conftest import wait_until


def local_today():
    return timezone.localtime(timezone.now(), shop_zone()).date()


def at(hour: int, minute: int = 0) -> datetime:
    """Today at ``hour`` in the shop's time zone."""
    return datetime.combine(local_today(), time(hour, minute), tzinfo=shop_zone())


@pytest.fixture
def steady(history):
    """Forty orders every day of the history (the anomaly baseline)."""
    DailyFact.objects.update(orders_placed=40)
    return history


def test_the_night_is_claimed_once_from_its_hour_and_done_by_a_worker(
    steady, settings, run_after_commit
):
    settings.INSIGHTS_HOUR = 2

    # when schedulers ask before the hour, at it, and again (a second scheduler)
    early = nightly_due(claimed_by="a", now=at(1, 59))
    claimed = nightly_due(claimed_by="a", now=at(2, 30))
    again = nightly_due(claimed_by="b", now=at(2, 31))
    run_after_commit()  # the worker

    # then one run, done, with its figures
    assert early is None and again is None and claimed is not None
    run = NightlyRun.objects.get()
    assert (run.day, run.status, run.claimed_by) == (local_today(), "done", "a")
    assert run.series == 4 and run.done == run.total == 4
    assert run.checked_through == local_today() - timedelta(days=1)
    assert run.started_at <= run.finished_at and run.error == ""
    assert Forecast.objects.count() == 4


def test_off_means_no_run(steady, settings):
    settings.INSIGHTS_HOUR = None

    assert nightly_due(claimed_by="a", now=at(23)) is None
    assert not NightlyRun.objects.exists()


def test_the_anomaly_check_catches_up_from_the_last_checked_day(steady):
    # given a run three days ago that checked through four days ago, and two bad days: one
    # it checked (already dealt with), one since
    today = local_today()
    NightlyRun.objects.create(
        day=today - timedelta(days=3),
        claimed_by="a",
        status="done",
        checked_through=today - timedelta(days=4),
    )
    DailyFact.objects.filter(day__in=[today - timedelta(days=5), today - timedelta(days=2)]).update(
        orders_placed=4
    )
    tonight = NightlyRun.objects.create(day=today, claimed_by="a")

    # when
    nightly_run(run_id=tonight.pk)

    # then only the day since the last check is found
    assert list(Anomaly.objects.values_list("day", "metric")) == [
        (today - timedelta(days=2), "orders_placed")
    ]
    tonight.refresh_from_db()
    assert tonight.anomalies == 1 and tonight.checked_through == today - timedelta(days=1)


def test_a_lost_run_is_handed_out_again_and_a_done_one_left_alone(
    steady, settings, run_after_commit
):
    # given a run whose worker died an hour and a half ago
    settings.INSIGHTS_HOUR = 2
    lost = NightlyRun.objects.create(day=local_today(), claimed_by="a", status="running")
    NightlyRun.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=90))

    # when the scheduler ticks (tonight is claimed already: nothing new)
    assert nightly_due(claimed_by="b", now=timezone.now()) is None
    run_after_commit()

    # then a worker finished it
    lost.refresh_from_db()
    assert lost.status == "done" and lost.series == 4
    finished = lost.finished_at

    # and a done run is not done twice
    nightly_run(run_id=lost.pk)
    lost.refresh_from_db()
    assert lost.finished_at == finished


def test_a_failing_step_marks_the_run_failed_with_its_error(steady, settings):
    # given a service level the forecasts refuse (set behind the settings' own check)
    settings.SERVICE_LEVEL = 1.5
    run = NightlyRun.objects.create(day=local_today(), claimed_by="a")

    nightly_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == "failed" and "service level" in run.error
    assert run.finished_at is not None


def test_the_api_shows_the_runs_and_their_progress(steady, caller):
    NightlyRun.objects.create(day=local_today(), claimed_by="a", status="running", done=2, total=4)

    response = caller("viewer").get("/api/analytics/nightly-runs")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["status"], item["done"], item["total"]) == ("running", 2, 4)


@pytest.mark.processes
def test_two_schedulers_and_a_worker_do_one_night(processes, transactional_db):
    # given an hour that has come (00:00 shop time), two schedulers and a worker
    env = {"SOLOOPS_INSIGHTS_HOUR": "0"}
    first = processes.start("scheduler", env=env)
    second = processes.start("scheduler", env=env)
    worker = processes.start("worker")

    # when the night is claimed and worked
    run = wait_until(
        lambda: NightlyRun.objects.filter(status__in=["done", "failed"]).first(),
        timeout=120,
        what=lambda: processes.log(first) + processes.log(second) + processes.log(worker),
    )

    # then one run, done
    assert run.status == "done", run.error
    assert NightlyRun.objects.count() == 1


def test_the_first_night_after_an_upgrade_fills_the_order_timings(shop):
    # given facts from orders placed before the timings table existed (emptied here)
    place([("MUG-1", 1)], days_ago=2)
    dispatch_pending()
    DayTimings.objects.all().delete()
    run = NightlyRun.objects.create(day=local_today(), claimed_by="a")

    # when
    nightly_run(run_id=run.pk)

    # then
    assert DayTimings.objects.count() == 1
    assert len(timings_snapshot()) == 1
