"""The event stream: committed events published to real RabbitMQ, NATS JetStream and Kafka-protocol
(Tansu) brokers, in order per subject, at least once with the event id, surviving a broker outage
mid-stream and a broker killed mid-stream."""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import uuid
from datetime import timedelta

import nats
import pytest
from django.db import connections, transaction
from django.utils import timezone
from kombu import Connection, Exchange, Queue

from soloops.accounts.actors import Actor
from soloops.events.services import EventSpec, event_emit, events_emit
from soloops.integrations.models.stream import StreamState
from soloops.integrations.services import stream
from soloops.integrations.stream.brokers import BadStreamUrl, adapter_for
from soloops.integrations.stream.message import message_for, type_selected
from tests.conftest import IN_CI, free_port, require_service, wait_until
from tests.integrations.kafka_broker import OwnKafka, S3Store
from tests.integrations.tcp_proxy import TcpProxy

ACTOR = Actor.system("test")
NOW = timezone.now()


def emit(count: int, *, subjects: int = 3, type: str = "test.stream") -> list[int]:
    ids = []
    for i in range(count):
        with transaction.atomic():
            event = event_emit(
                type=type,
                subject=("orders.order", i % subjects),
                payload={"i": i, "note": "订单 ✓"},
                actor=ACTOR,
            )
        ids.append(event.pk)
    return ids


def run_async(make_coroutine):
    """Run a coroutine to its end on a loop in a thread of its own: this test process may
    already run an event loop in its main thread (Playwright's, after a browser test), where
    asyncio.run refuses."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make_coroutine())
        except BaseException as e:  # handed to the caller
            outcome["error"] = e

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def assert_stream_faithful(messages: list[dict], emitted: list[int]) -> None:
    """No loss, no reorder per subject, duplicates only as the same message again."""
    first_seen: dict[str, dict] = {}
    for m in messages:
        if m["id"] in first_seen:
            assert m == first_seen[m["id"]], "a duplicate must be the same message"
        first_seen.setdefault(m["id"], m)
    assert sorted(int(i) for i in first_seen) == sorted(emitted), "every event, once at least"
    per_subject: dict[str, list[int]] = {}
    for m in first_seen.values():
        per_subject.setdefault(m["subject"], []).append(int(m["id"]))
    for subject, ids in per_subject.items():
        assert ids == sorted(ids), f"{subject} out of order: {ids}"


# --- the plan at a gap (pure) ----------------------------------------------------------------


def test_consecutive_ids_are_all_taken():
    plan = stream.plan(cursor=4, ids=[5, 6, 7], gap_since=None, now=NOW, grace=60)
    assert (plan.ids, plan.gap_since, plan.gaps_skipped) == ([5, 6, 7], None, 0)


def test_a_missing_id_holds_the_stream_back_and_is_remembered():
    # event 6 is not committed yet: 7 must not go out before it
    plan = stream.plan(cursor=4, ids=[5, 7, 8], gap_since=None, now=NOW, grace=60)
    assert (plan.ids, plan.gap_since) == ([5], NOW)


def test_a_gap_younger_than_the_grace_still_holds():
    plan = stream.plan(
        cursor=5, ids=[7, 8], gap_since=NOW - timedelta(seconds=59), now=NOW, grace=60
    )
    assert plan.ids == []


def test_a_gap_older_than_the_grace_is_passed_as_rolled_back():
    plan = stream.plan(
        cursor=5, ids=[7, 8], gap_since=NOW - timedelta(seconds=61), now=NOW, grace=60
    )
    assert (plan.ids, plan.gap_since, plan.gaps_skipped) == ([7, 8], None, 1)


# --- the message -----------------------------------------------------------------------------


def test_the_message_is_a_cloudevent_with_the_event_id(db):
    (event_id,) = emit(1)
    from soloops.events.selectors import events_after

    (event,) = events_after(after_id=event_id - 1, limit=1)
    message = message_for(event)
    document = json.loads(message.body)
    assert document["specversion"] == "1.0"
    assert document["id"] == message.id == str(event_id)
    assert document["type"] == "test.stream"
    assert document["subject"] == message.key == "orders.order/0"
    assert document["soloopsschema"] == "1"
    assert document["data"] == {"i": 0, "note": "订单 ✓"}


def test_the_owner_selects_types_and_prefixes():
    assert type_selected("order.placed", [])
    assert type_selected("order.placed", ["order."])
    assert type_selected("payment.refunded", ["order.", "payment.refunded"])
    assert not type_selected("payment.captured", ["order.", "payment.refunded"])
    assert not type_selected("orders_x.placed", ["order."])


def test_an_unknown_scheme_is_refused_with_the_setting_named():
    with pytest.raises(BadStreamUrl, match="SOLOOPS_EVENT_STREAM_URL"):
        adapter_for("redis://127.0.0.1:6379/0")


def test_without_a_stream_nothing_is_read_or_written(db, django_assert_num_queries, settings):
    settings.EVENT_STREAM_URL = ""
    with django_assert_num_queries(0):
        assert stream.stream_publish_due() == 0


def test_a_broker_that_is_down_blocks_nothing_and_loses_nothing(db, settings):
    # given a stream to a port where nothing listens
    settings.EVENT_STREAM_URL = "amqp://guest:guest@127.0.0.1:1//?timeout=2"
    # when business goes on
    emitted = emit(5)
    # then the events committed, the publisher stopped before the first one, and says why
    assert stream.stream_publish_due() == 0
    state = StreamState.objects.get(name="default")
    assert state.last_event_id == emitted[0] - 1
    assert "RabbitMQ" in state.last_error
    status = stream.stream_status()
    assert status.behind == 5


def test_another_publishers_lease_is_respected(db, settings):
    settings.EVENT_STREAM_URL = "amqp://guest:guest@127.0.0.1:1//?timeout=2"
    emit(2)
    StreamState.objects.create(
        name="default", owner="other:1", lease_until=timezone.now() + timedelta(seconds=30)
    )
    assert stream.stream_publish_due() == 0
    assert StreamState.objects.get(name="default").last_error == ""  # it did not even try


# --- real brokers ----------------------------------------------------------------------------


class Rabbit:
    """A consumer queue bound to a test-only exchange on the real RabbitMQ."""

    ordered_per_subject_only = False

    def __init__(self):
        require_service("RabbitMQ", "127.0.0.1", 5672)
        self.exchange = f"soloops.test.{uuid.uuid4().hex[:8]}"
        self.connection = Connection("pyamqp://guest:guest@127.0.0.1:5672//")
        self.bound_exchange = Exchange(self.exchange, type="topic", durable=True)
        exchange = self.bound_exchange
        self.queue = Queue(f"{self.exchange}.all", exchange, routing_key="#", exclusive=True)(
            self.connection.channel()
        )
        self.queue.declare()

    def url(self, port: int = 5672) -> str:
        return f"amqp://guest:guest@127.0.0.1:{port}//?exchange={self.exchange}&timeout=3"

    def received(self) -> list[dict]:
        messages = []
        while (m := self.queue.get(no_ack=True)) is not None:
            document = json.loads(m.body)
            assert m.properties["message_id"] == document["id"]
            messages.append(document)
        return messages

    def close(self):
        self.queue.delete()
        self.bound_exchange(self.connection.channel()).delete()
        self.connection.release()


class Jet:
    """A JetStream stream of its own on the real NATS server, read back message by message."""

    ordered_per_subject_only = False

    def __init__(self):
        require_service("NATS", "127.0.0.1", 4222)
        self.name = f"SOLOOPS_TEST_{uuid.uuid4().hex[:8].upper()}"
        self.prefix = self.name.lower()

    def url(self, port: int = 4222) -> str:
        return f"nats://127.0.0.1:{port}?stream={self.name}&prefix={self.prefix}&timeout=3"

    def received(self) -> list[dict]:
        async def read():
            client = await nats.connect("nats://127.0.0.1:4222")
            js = client.jetstream()
            info = await js.stream_info(self.name)
            out = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(self.name, seq)
                document = json.loads(msg.data)
                assert msg.headers["Nats-Msg-Id"] == document["id"]
                assert msg.subject == f"{self.prefix}.{document['type']}"
                out.append(document)
            await client.close()
            return out

        return run_async(read)

    def close(self):
        async def delete():
            client = await nats.connect("nats://127.0.0.1:4222")
            await client.jetstream().delete_stream(self.name)
            await client.close()

        run_async(delete)


class Kafka:
    """A topic of its own on a Kafka-protocol broker (Tansu) started for this module. Kafka
    orders per partition (per key: the subject), so it is read back partition by partition."""

    ordered_per_subject_only = True

    def __init__(self, store: S3Store):
        self.broker = OwnKafka(store)

    def url(self) -> str:
        return self.broker.url()

    def received(self) -> list[dict]:
        return self.broker.received()

    def close(self):
        self.broker.stop()


@pytest.fixture(scope="module")
def s3_store():
    store = S3Store()
    yield store
    store.stop()


def _close_adapters() -> None:
    for adapter in stream._adapters.values():
        adapter.close()
    stream._adapters.clear()


@pytest.fixture(params=["rabbitmq", "nats", "kafka"])
def broker(request):
    if request.param == "kafka":
        made = Kafka(request.getfixturevalue("s3_store"))
    else:
        made = Rabbit() if request.param == "rabbitmq" else Jet()
    yield made
    _close_adapters()
    made.close()


@pytest.fixture(params=["rabbitmq", "nats"])
def shared_broker(request):
    """The shared RabbitMQ and NATS of the machine (a proxy in front can take them away)."""
    made = Rabbit() if request.param == "rabbitmq" else Jet()
    yield made
    _close_adapters()
    made.close()


@pytest.mark.brokers
@pytest.mark.xdist_group("brokers")
def test_every_event_reaches_the_broker_in_order(db, settings, broker):
    settings.EVENT_STREAM_URL = broker.url()
    emitted = emit(30)

    assert stream.stream_publish_all() == 30

    messages = broker.received()
    ids = [int(m["id"]) for m in messages]
    assert (sorted(ids) if broker.ordered_per_subject_only else ids) == emitted
    assert_stream_faithful(messages, emitted)
    assert stream.stream_status().behind == 0


@pytest.mark.brokers
@pytest.mark.xdist_group("brokers")
def test_nats_publishes_from_a_thread_that_already_runs_an_event_loop(
    transactional_db, settings, monkeypatch
):
    # given a NATS stream, and a caller whose thread runs an event loop (an async server; the
    # browser tests' Playwright in this very process), the ORM allowed there
    jet = Jet()
    settings.EVENT_STREAM_URL = jet.url()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    emitted = emit(3)

    async def publish_inside_a_loop() -> int:
        try:
            return stream.stream_publish_all()
        finally:
            connections.close_all()  # this loop's own connection

    try:
        # when it publishes from a thread whose loop is running
        published = run_async(publish_inside_a_loop)

        # then the adapter's own loop thread did it
        assert published == 3, StreamState.objects.get(name="default").last_error
        assert [int(m["id"]) for m in jet.received()] == emitted
    finally:
        _close_adapters()
        jet.close()


@pytest.mark.brokers
@pytest.mark.xdist_group("brokers")
def test_only_the_selected_types_are_published_and_the_rest_passed(db, settings, broker):
    settings.EVENT_STREAM_URL = broker.url()
    settings.EVENT_STREAM_TYPES = ["test.kept"]
    kept = emit(3, type="test.kept")
    emit(4, type="test.other")

    assert stream.stream_publish_all() == 3

    ids = [int(m["id"]) for m in broker.received()]
    assert (sorted(ids) if broker.ordered_per_subject_only else ids) == kept
    assert stream.stream_status().behind == 0


@pytest.mark.brokers
@pytest.mark.xdist_group("brokers")
def test_a_broker_lost_mid_stream_loses_and_reorders_nothing(db, settings, shared_broker):
    # given a publisher that reaches the broker through a proxy we can cut
    broker = shared_broker
    target = 5672 if isinstance(broker, Rabbit) else 4222
    proxy = TcpProxy(("127.0.0.1", target))
    settings.EVENT_STREAM_URL = broker.url(proxy.port)
    emitted = emit(10)
    assert stream.stream_publish_all() == 10
    emitted += emit(60)

    # when the broker goes away in the middle of the next batch
    proxy.cut_after = proxy.forwarded + 15_000
    sent_before_outage = stream.stream_publish_due()

    # then the publisher stopped before the first unconfirmed event and says why
    state = StreamState.objects.get(name="default")
    assert 0 < sent_before_outage < 60
    assert state.last_error
    assert state.last_event_id < emitted[-1]
    # and a tick while the broker is still away changes nothing
    assert stream.stream_publish_due() == 0
    assert StreamState.objects.get(name="default").last_event_id == state.last_event_id

    # when the broker is back, publishing resumes where it stopped
    proxy.up()
    stream.stream_publish_all()
    proxy.close()

    # then every event arrived, each subject in order, duplicates only with the same id
    assert_stream_faithful(broker.received(), emitted)
    assert StreamState.objects.get(name="default").last_error == ""


class OwnNats:
    """A NATS server with JetStream of this test's own (port, store directory), so the test
    can kill the broker itself (SIGKILL) and start it again on the same store."""

    def __init__(self, store):
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not os.path.exists(binary):
            message = "nats-server is not installed (Debian package nats-server)"
            if IN_CI:
                pytest.fail(f"{message}; CI must provide it")
            pytest.skip(message)
        self.command = [binary, "-js", "-a", "127.0.0.1", "-p", str(free_port()), "-sd", str(store)]
        self.port = int(self.command[self.command.index("-p") + 1])
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, what=f"nats-server on port {self.port}")

    def _answers(self) -> bool:
        """JetStream is ready (it comes up a moment after the port opens)."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False

        async def ready() -> bool:
            client = await nats.connect(f"nats://127.0.0.1:{self.port}", connect_timeout=2)
            try:
                await client.jetstream().account_info()
                return True
            finally:
                await client.close()

        try:
            return run_async(ready)
        except Exception:  # not ready yet: asked again
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def received(self, stream_name: str) -> list[dict]:
        async def read():
            client = await nats.connect(f"nats://127.0.0.1:{self.port}")
            js = client.jetstream()
            info = await js.stream_info(stream_name)
            out = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(stream_name, seq)
                document = json.loads(msg.data)
                assert msg.headers["Nats-Msg-Id"] == document["id"]
                out.append(document)
            await client.close()
            return out

        return run_async(read)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()


@pytest.mark.brokers
@pytest.mark.xdist_group("brokers")
def test_a_broker_killed_mid_stream_and_restarted_loses_and_reorders_nothing(
    transactional_db, settings, tmp_path
):
    # given a JetStream broker of our own (reached through a proxy that can hold a batch in
    # flight), with some events already published to it
    broker = OwnNats(tmp_path / "jetstream")
    proxy = TcpProxy(("127.0.0.1", broker.port))
    name = f"SOLOOPS_KILL_{uuid.uuid4().hex[:8].upper()}"
    settings.EVENT_STREAM_URL = (
        f"nats://127.0.0.1:{proxy.port}?stream={name}&prefix={name.lower()}&timeout=2"
    )
    try:
        emitted = emit(5)
        published = stream.stream_publish_all()
        assert published == 5, StreamState.objects.filter(name="default").first().__dict__
        emitted += emit(150, subjects=7)

        # when the broker process is SIGKILLed while the publisher is in the middle of a batch
        proxy.hold_after = proxy.forwarded + 15_000
        outcome: list[int] = []

        def publish() -> None:
            try:
                outcome.append(stream.stream_publish_due())
            finally:
                from django.db import connection

                connection.close()

        publisher = threading.Thread(target=publish)
        publisher.start()
        wait_until(proxy.held.is_set, what="a batch to be in flight")
        broker.kill()
        proxy.release.set()
        proxy.down()
        publisher.join(timeout=60)

        # then the publisher stopped before the first unconfirmed event and says why
        assert outcome and 0 < outcome[0] < 150
        state = StreamState.objects.get(name="default")
        assert state.last_error
        assert state.last_event_id < emitted[-1]

        # when the broker comes back on the same store, publishing resumes where it stopped
        broker.start()
        proxy.hold_after = None
        proxy.up()
        stream.stream_publish_all()

        # then every event is there, each subject in order, duplicates only with the same id
        assert_stream_faithful(broker.received(name), emitted)
        assert StreamState.objects.get(name="default").last_error == ""
    finally:
        _close_adapters()
        proxy.close()
        broker.stop()


@pytest.mark.brokers
@pytest.mark.processes
@pytest.mark.xdist_group("brokers")
def test_a_scheduler_killed_mid_stream_is_taken_over_without_loss(processes):
    # given 3,000 committed events and a scheduler publishing them to RabbitMQ
    rabbit = Rabbit()
    with transaction.atomic():
        events = events_emit(
            specs=[
                EventSpec("test.stream", ("orders.order", i % 7), {"i": i}) for i in range(3000)
            ],
            actor=ACTOR,
        )
    emitted = [e.pk for e in events]
    env = {"SOLOOPS_EVENT_STREAM_URL": rabbit.url(), "SOLOOPS_EVENT_STREAM_LEASE": "2"}
    first = processes.start("scheduler", "--tick", "0.05", env=env)
    received: list[dict] = []

    def got(n: int) -> bool:
        received.extend(rabbit.received())
        return len({m["id"] for m in received}) >= n

    # when it is killed (SIGKILL: no clean-up) once some of them are out
    wait_until(lambda: got(1), what="the first messages to arrive")
    first.kill()
    first.wait()
    assert not got(3000), "the scheduler finished before it was killed; the test proves nothing"

    # then a second scheduler takes over once the dead one's lease lapses, and the consumer
    # has every event, each subject in order, duplicates only with the same id
    processes.start("scheduler", "--tick", "0.05", env=env)
    wait_until(lambda: got(3000), what="every event to arrive")
    assert_stream_faithful(received, emitted)
    rabbit.close()


def test_stream_status_fails_once_the_lag_passes_the_alert(db, settings, capsys):
    from soloops.cli import main

    # given a stream whose broker is away and an event older than the alert threshold
    settings.EVENT_STREAM_URL = "amqp://guest:guest@127.0.0.1:1//?timeout=2"
    settings.EVENT_STREAM_LAG_ALERT_SECONDS = 300
    emit(2)
    from soloops.events.selectors import events_after

    first = events_after(after_id=0, limit=1)[0]
    type(first).objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(seconds=301)
    )

    # then the status says how far behind it is, and exits 1
    assert main(["stream", "status"]) == 1
    out = capsys.readouterr().out
    assert "behind           2 events" in out

    # and once published (here: rewound past them) it is fine again
    stream.stream_rewind(to_event_id=first.pk + 1)
    assert main(["stream", "status"]) == 0


@pytest.mark.brokers
@pytest.mark.xdist_group("brokers")
def test_a_kafka_broker_killed_mid_stream_and_restarted_loses_and_reorders_nothing(
    transactional_db, settings, s3_store
):
    # given a Kafka-protocol broker of our own (its log in S3, so it survives SIGKILL), which
    # tells clients to reach it through a proxy that can hold a batch in flight, with some
    # events already published to it
    port = free_port()
    proxy = TcpProxy(("127.0.0.1", port))
    broker = OwnKafka(s3_store, port=port, advertised_port=proxy.port)
    settings.EVENT_STREAM_URL = broker.url()
    try:
        emitted = emit(5)
        published = stream.stream_publish_all()
        assert published == 5, StreamState.objects.get(name="default").last_error
        emitted += emit(150, subjects=7)

        # when the broker process is SIGKILLed while the publisher waits on a delivery
        proxy.hold_after = proxy.forwarded + 15_000
        outcome: list[int] = []

        def publish() -> None:
            try:
                outcome.append(stream.stream_publish_due())
            finally:
                from django.db import connection

                connection.close()

        publisher = threading.Thread(target=publish)
        publisher.start()
        wait_until(proxy.held.is_set, what="a delivery to be in flight")
        broker.kill()
        proxy.release.set()
        proxy.down()
        publisher.join(timeout=60)

        # then the publisher stopped before the first unconfirmed event and says why
        assert outcome and 0 < outcome[0] < 150
        state = StreamState.objects.get(name="default")
        assert state.last_error.startswith("Kafka:")
        assert state.last_event_id < emitted[-1]

        # when the broker comes back on the same log, publishing resumes where it stopped
        broker.start()
        proxy.hold_after = None
        proxy.up()
        stream.stream_publish_all()

        # then every event is there, each subject in order, duplicates only with the same id
        assert_stream_faithful(broker.received(), emitted)
        assert StreamState.objects.get(name="default").last_error == ""
    finally:
        _close_adapters()
        proxy.close()
        broker.stop()
