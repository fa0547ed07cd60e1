"""Kafka: topic ``soloops.events``; the message key is the event's subject
(``orders.order/42``), so every event of one order lands in one partition, in order; the event
id travels in the ``ce_id`` header (CloudEvents' Kafka binding) for consumers to dedupe on.
The producer is idempotent with ``acks=all``; ``publish`` returns on the delivery report.

After a failed delivery the producer is dropped (what it still held is purged: the publisher
sends it again from its cursor) and a new one is made for the next message, so a broker that
restarted and forgot this producer's id cannot leave it stuck.

Tested against Tansu, a Kafka-protocol broker (see tests/integrations/kafka_broker.py), not
against Apache Kafka itself, which cannot be installed on the machines this project is built on.
"""

from soloops.integrations.stream.brokers import BrokerUnavailable
from soloops.integrations.stream.message import CONTENT_TYPE, SCHEMA_VERSION, StreamMessage


class KafkaAdapter:
    def __init__(self, url: str, topic: str = "soloops.events", timeout: str = "10"):
        self.servers = url.removeprefix("kafka://").rstrip("/")
        self.topic = topic
        self.timeout = float(timeout)
        self._producer = None

    def _connected(self):
        if self._producer is None:
            from confluent_kafka import Producer

            self._producer = Producer(
                {
                    "bootstrap.servers": self.servers,
                    "enable.idempotence": True,
                    "acks": "all",
                    "message.timeout.ms": int(self.timeout * 1000),
                }
            )
        return self._producer

    def publish(self, message: StreamMessage) -> None:
        errors = []
        producer = self._connected()
        try:
            producer.produce(
                self.topic,
                key=message.key.encode(),
                value=message.body,
                headers=[
                    ("ce_id", message.id.encode()),
                    ("ce_type", message.type.encode()),
                    ("content-type", CONTENT_TYPE.encode()),
                    ("soloopsschema", SCHEMA_VERSION.encode()),
                ],
                on_delivery=lambda err, msg: errors.append(err) if err else None,
            )
        except Exception as e:  # BufferError, KafkaException: the producer cannot take it
            self.close()
            raise BrokerUnavailable(f"Kafka: {e}") from e
        left = producer.flush(self.timeout)
        if left or errors:
            self.close()
            raise BrokerUnavailable(f"Kafka: {errors[0] if errors else 'delivery timed out'}")

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.purge()
            producer.flush(0)
