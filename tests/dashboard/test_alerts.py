"""The Alerts page: open alerts with acknowledge and snooze for staff; a Today tile."""

from datetime import timedelta

from django.utils import timezone

from soloops.monitoring.models import Alert
from soloops.monitoring.services import alerts_evaluate, heartbeat_beat, recoveries_record

WORKER = "process_silent:worker"


def silent_worker() -> Alert:
    heartbeat_beat(process_id="scheduler-1", role="scheduler", started_at=timezone.now())
    alerts_evaluate()
    return Alert.objects.get(key=WORKER)


def test_the_page_lists_open_alerts_and_today_counts_them(owner_client):
    # given
    alert = silent_worker()

    # when
    page = owner_client.get("/alerts/")
    today = owner_client.get("/")

    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert alert.title in html and f'data-alert="{WORKER}"' in html
    assert "Acknowledge" in html
    assert 'data-tile="alerts"' in today.content.decode()
    assert today.context["open_alerts"] == 1


def test_staff_acknowledge_and_snooze(staff_client):
    # given
    alert = silent_worker()

    # when
    acknowledged = staff_client.post(f"/alerts/{alert.pk}/acknowledge")

    # then
    assert acknowledged.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == "sam"

    # when
    staff_client.post(f"/alerts/{alert.pk}/snooze", {"hours": "24"})

    # then
    alert.refresh_from_db()
    assert alert.status == "snoozed"
    assert alert.snoozed_until > timezone.now() + timedelta(hours=23)


def test_a_viewer_sees_no_buttons_and_cannot_post(viewer_client):
    # given
    alert = silent_worker()

    # when
    page = viewer_client.get("/alerts/")
    refused = viewer_client.post(f"/alerts/{alert.pk}/acknowledge")

    # then
    assert "Acknowledge" not in page.content.decode()
    assert refused.status_code == 403
    alert.refresh_from_db()
    assert alert.status == "firing"


def test_resolved_alerts_show_on_request(owner_client):
    # given an alert that resolved
    alert = silent_worker()
    heartbeat_beat(process_id="worker-1", role="worker", started_at=timezone.now())
    alerts_evaluate()

    # when
    open_only = owner_client.get("/alerts/").content.decode()
    everything = owner_client.get("/alerts/?all=1").content.decode()

    # then
    assert alert.title not in open_only
    assert alert.title in everything


def test_the_page_says_what_recovered_by_itself(owner_client):
    # given
    recoveries_record(counts={"events_relayed": 3, "emails_handed_out_again": 0})
    recoveries_record(counts={"events_relayed": 2, "emails_handed_out_again": 1})

    # when
    html = owner_client.get("/alerts/").content.decode()

    # then
    assert "5 lost events relayed, 1 lost emails handed out again" in html
