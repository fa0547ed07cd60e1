"""Kafka: topic ``soloops.events``; the message key is the event's subject
(``orders.order/42``), so every event of one order lands in one partition, in order; the event
id travels in the ``ce_id`` header (CloudEvents' Kafka binding) for consumers to dedupe on.
The producer is idempotent with ``acks=all``; ``publish`` returns on the delivery report.

Not tested against a broker here: no Kafka broker can be installed on the machines this
project is built on (see the README).
"""

from soloops.integrations.stream.brokers import BrokerUnavailable
from soloops.integrations.stream.message import CONTENT_TYPE, SCHEMA_VERSION, StreamMessage


class KafkaAdapter:
    def __init__(self, url: str, topic: str = "soloops.events", timeout: str = "10"):
        from confluent_kafka import Producer

        servers = url.removeprefix("kafka://").rstrip("/")
        self.topic = topic
        self.timeout = float(timeout)
        self._producer = Producer(
            {
                "bootstrap.servers": servers,
                "enable.idempotence": True,
                "acks": "all",
                "message.timeout.ms": int(self.timeout * 1000),
            }
        )

    def publish(self, message: StreamMessage) -> None:
        errors = []
        self._producer.produce(
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
        left = self._producer.flush(self.timeout)
        if left or errors:
            raise BrokerUnavailable(f"Kafka: {errors[0] if errors else 'delivery timed out'}")

    def close(self) -> None:
        self._producer.flush(0)
