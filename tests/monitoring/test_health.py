"""/healthz says the process serves; /readyz says whether it can also get work done."""

from django.utils import timezone

from soloops.monitoring.services import heartbeat_beat, heartbeat_stop


def test_healthz_is_200_json_without_login(client, db):
    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_naming_the_worker_when_none_beats(client, db):
    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert "worker" in body["checks"]["worker"]
    assert body["checks"]["worker"] != "ok"


def test_readyz_is_200_once_a_worker_beats(client, db):
    # given
    heartbeat_beat(process_id="worker-test", role="worker", started_at=timezone.now())

    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok"},
    }


def test_readyz_is_503_again_after_the_worker_stops(client, db):
    # given
    heartbeat_beat(process_id="worker-test", role="worker", started_at=timezone.now())
    heartbeat_stop(process_id="worker-test")

    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 503


def test_a_scheduler_heartbeat_does_not_make_a_worker(client, db):
    # given
    heartbeat_beat(process_id="scheduler-test", role="scheduler", started_at=timezone.now())

    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 503


def test_favicon_ico_leads_to_the_icon_every_page_links(client, db):
    # when a client asks for /favicon.ico itself
    response = client.get("/favicon.ico")

    # then it is sent to the SVG icon, which exists
    assert response.status_code == 301
    assert response["Location"].endswith("soloops/favicon.svg")
