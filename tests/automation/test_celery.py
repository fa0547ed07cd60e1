"""The Celery task backend: real brokers, a real ``soloops worker`` process, no mocks.

The test process enqueues through Celery too (settings overridden), so an event committed here
travels test → broker → worker exactly as it would from the web process.
"""

import base64
import json
import os
import signal
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.tasks.signals import task_enqueued
from django.test import override_settings
from django.utils import timezone

from bench.scale_shop import REDIS_DBS as SCALE_REDIS_DBS
from soloops.accounts.actors import Actor
from soloops.automation.celery_backend import celery_app
from soloops.automation.models import Delivery, DeliveryStatus, Event
from soloops.events.services import event_emit
from soloops.events.tasks import dispatch_events
from soloops.monitoring.models import Heartbeat
from tests.conftest import require_service, wait_until
from tests.probe.models import Hit

# One pytest-xdist worker runs them all (make test's --dist loadgroup): RabbitMQ's queue is
# shared, and a purge or a consumer in another worker would take this one's messages.
pytestmark = [pytest.mark.redis, pytest.mark.processes, pytest.mark.xdist_group("brokers")]

ACTOR = Actor.system("test")
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
# Redis databases these tests may claim (SOLOOPS_TEST_REDIS_DB pins one, as for the scale
# test), and the key that marks one as taken.
REDIS_DBS = SCALE_REDIS_DBS
OWNER_KEY = "soloops-test-run"


@pytest.fixture(scope="session")
def redis_url():
    """A Redis database of this test run's own.

    Two test runs on one machine would otherwise consume, and purge, each other's messages.
    A run that dies keeps its claim for an hour at most.
    """
    require_service("Redis", "127.0.0.1", 6379)
    token = uuid.uuid4().hex
    for db in REDIS_DBS:
        client = redis.Redis(host="127.0.0.1", port=6379, db=db)
        if client.set(OWNER_KEY, token, nx=True, ex=3600):
            break
    else:
        pytest.fail(f"every Redis database in {REDIS_DBS} is claimed by another test run")
    try:
        yield f"redis://127.0.0.1:6379/{db}"
    finally:
        if client.get(OWNER_KEY) == token.encode():
            client.flushdb()  # our leftovers, and the claim


@pytest.fixture
def broker_url(request) -> str:
    """The broker (``redis`` unless parametrized), emptied of earlier tests' messages.

    Checks the service first: skips without it on a laptop, fails under CI.
    """
    if getattr(request, "param", "redis") == "redis":
        url = request.getfixturevalue("redis_url")
        client = redis.Redis.from_url(url)
        for key in client.scan_iter():  # queues, and messages held unacknowledged
            if key != OWNER_KEY.encode():
                client.delete(key)
        return url
    require_service("RabbitMQ", "127.0.0.1", 5672)
    with celery_tasks(RABBITMQ_URL):
        celery_app().control.purge()
    return RABBITMQ_URL


@contextmanager
def celery_tasks(broker_url: str):
    """This process enqueues through Celery on ``broker_url``."""
    with override_settings(
        TASKS={"default": {"BACKEND": "soloops.automation.celery_backend.CeleryBackend"}},
        TASK_BACKEND="celery",
        CELERY_BROKER_URL=broker_url,
    ):
        yield


@contextmanager
def enqueued_ids():
    """Collect the ids of the tasks this process enqueues."""
    ids: list[str] = []

    def collect(sender, task_result, **kwargs):
        ids.append(task_result.id)

    task_enqueued.connect(collect)
    try:
        yield ids
    finally:
        task_enqueued.disconnect(collect)


def start_worker(processes, broker_url: str, *, concurrency: int = 2):
    return processes.start(
        "worker",
        "--concurrency",
        str(concurrency),
        env={"SOLOOPS_TASK_BACKEND": "celery", "CELERY_BROKER_URL": broker_url},
    )


def ran(processes, worker, task_id: str) -> bool:
    """Whether the worker logged the Celery task ``task_id`` as succeeded."""
    return f"soloops.run_task[{task_id}] succeeded" in processes.log(worker)


def pool_processes(parent: int) -> list[int]:
    """The worker's child processes (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def emit(type: str = "probe.recorded") -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=("probe.thing", 1), payload={"n": 1}, actor=ACTOR)


def hits(event: Event) -> list[str]:
    return sorted(Hit.objects.filter(event_id=event.pk).values_list("handler", flat=True))


def dispatched(event: Event) -> bool:
    return Event.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists()


def starts(path: Path) -> int:
    return path.read_text().count("start") if path.exists() else 0


@pytest.mark.parametrize("broker_url", ["redis", "rabbitmq"], indirect=True)
def test_a_worker_dispatches_an_event_enqueued_through_celery(broker_url, processes):
    # given a Celery worker process
    worker = start_worker(processes, broker_url)

    # when an event commits here, which enqueues its dispatch through the broker
    with celery_tasks(broker_url), enqueued_ids() as ids:
        event = emit()
    assert len(ids) == 1

    # then the worker runs that task: each handler once, and the event is dispatched
    wait_until(
        lambda: len(hits(event)) == 2 and dispatched(event),
        what=lambda: f"the worker to dispatch the event; log:\n{processes.log(worker)}",
    )
    wait_until(lambda: ran(processes, worker, ids[0]), what="the task's success in the log")
    assert hits(event) == ["record", "record_again"]
    # the two probe handlers (no flow starts on or waits for probe.recorded)
    assert Delivery.objects.filter(event=event, status=DeliveryStatus.DONE).count() == 2
    assert Heartbeat.objects.filter(role="worker", pid=worker.pid).exists()

    # when asked to stop, it stops cleanly and removes its heartbeat
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, processes.log(worker)
    assert not Heartbeat.objects.filter(role="worker", pid=worker.pid).exists()


def test_a_dispatch_enqueued_twice_through_celery_runs_each_handler_once(broker_url, processes):
    # given the same event handed out twice before any worker runs
    with celery_tasks(broker_url), enqueued_ids() as ids:
        event = emit()
        dispatch_events.enqueue(event_ids=[event.pk])
    assert len(ids) == 2

    # when a worker with two processes takes both tasks at once
    worker = start_worker(processes, broker_url)
    wait_until(
        lambda: all(ran(processes, worker, task_id) for task_id in ids),
        what=lambda: f"both tasks to finish; log:\n{processes.log(worker)}",
    )

    # then each handler committed exactly once
    assert hits(event) == ["record", "record_again"]
    assert dispatched(event)

    # and Ctrl-C is a clean stop too
    worker.send_signal(signal.SIGINT)
    assert worker.wait(timeout=30) == 0, processes.log(worker)


def test_a_pool_process_starts_warm_and_keeps_its_database_connection(broker_url, processes):
    # given a worker with one pool process
    worker = start_worker(processes, broker_url, concurrency=1)

    # when three events commit one after another, each dispatched by a task of its own
    with celery_tasks(broker_url), enqueued_ids() as ids:
        events = [emit("probe.connection") for _ in range(3)]
    assert len(ids) == 3
    wait_until(
        lambda: all(dispatched(e) for e in events),
        what=lambda: f"the three dispatches; log:\n{processes.log(worker)}",
    )

    # then that process ran the three on the one connection it opened (Celery's Django fix-up
    # would have opened a new one for every task), and it was forked with the URL map the
    # emails' links need already imported by the worker, not importing it on its first task
    seen = [h for e in events for h in hits(e)]
    assert len(seen) == 3
    assert len(set(seen)) == 1, seen
    pid, _opened, urls = seen[0].split(" ", 2)
    assert int(pid) in pool_processes(worker.pid)
    assert urls == "url map"


def test_a_task_whose_worker_process_is_killed_is_delivered_again(broker_url, processes):
    # given a handler that blocks until released, its dispatch enqueued through Celery
    with celery_tasks(broker_url):
        event = emit("probe.blocking")
    started = Path(settings.PROBE_DIR) / f"started-{event.pk}"
    release = Path(settings.PROBE_DIR) / f"release-{event.pk}"
    started.unlink(missing_ok=True)  # left by an earlier run's event with the same id
    release.unlink(missing_ok=True)
    worker = start_worker(processes, broker_url, concurrency=1)
    try:
        wait_until(lambda: starts(started) == 1, what="the handler to start")

        # when the process running it is killed mid-handler
        for pid in pool_processes(worker.pid):
            os.kill(pid, signal.SIGKILL)

        # then the message is delivered again and the handler starts over
        wait_until(
            lambda: starts(started) == 2,
            what=lambda: f"a second start; log:\n{processes.log(worker)}",
        )
    finally:
        release.touch()
    wait_until(lambda: dispatched(event), what="the event to be dispatched")
    assert hits(event) == ["blocking"]  # the killed run's transaction never committed
    assert worker.poll() is None, processes.log(worker)


def test_enqueue_returns_a_ready_result_and_sends_eta_and_priority(broker_url, transactional_db):
    run_after = timezone.now() + timedelta(hours=1)

    # when
    with celery_tasks(broker_url):
        result = dispatch_events.using(run_after=run_after, priority=100).enqueue(event_ids=[1])

    # then the caller holds a ready result under the id of the message waiting in the broker
    assert result.status == "READY"
    assert result.backend == "default"
    assert result.args == [] and result.kwargs == {"event_ids": [1]}
    client = redis.Redis.from_url(broker_url)
    messages = [json.loads(m) for key in client.keys("default*") for m in client.lrange(key, 0, -1)]
    assert [m["headers"]["id"] for m in messages] == [result.id]
    (message,) = messages
    assert message["headers"]["task"] == "soloops.run_task"
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert args == ["soloops.events.tasks.dispatch_events", [], {"event_ids": [1]}]
    assert kwargs == {}
    assert datetime.fromisoformat(message["headers"]["eta"]) == run_after
    assert message["properties"]["priority"] == 0  # the highest priority; Redis pops 0 first
