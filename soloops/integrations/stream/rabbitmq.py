"""RabbitMQ: a durable topic exchange (``soloops.events``); the routing key is the event type.

Bind a queue with ``order.#`` to receive every order event, ``#`` for all. Messages are
persistent, carry the event id as ``message_id``, and are published with confirms: ``publish``
returns once RabbitMQ has taken the message. A message no queue is bound for is dropped by
RabbitMQ (bind your queues before you rely on them).
"""

import contextlib

from kombu import Connection, Exchange, Producer

from soloops.integrations.stream.brokers import BrokerUnavailable
from soloops.integrations.stream.message import CONTENT_TYPE, SCHEMA_VERSION, StreamMessage


class RabbitMQAdapter:
    def __init__(self, url: str, exchange: str = "soloops.events", timeout: str = "10"):
        self.url = url.replace("amqp://", "pyamqp://", 1) if url.startswith("amqp://") else url
        self.exchange = Exchange(exchange, type="topic", durable=True)
        self.timeout = float(timeout)
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def _open(self) -> Producer:
        if self._producer is None:
            connection = Connection(
                self.url,
                connect_timeout=self.timeout,
                transport_options={"confirm_publish": True},
            )
            connection.ensure_connection(max_retries=1)
            self._connection = connection
            self._producer = Producer(connection.channel(), exchange=self.exchange)
            self.exchange(self._producer.channel).declare()
        return self._producer

    def publish(self, message: StreamMessage) -> None:
        try:
            self._open().publish(
                message.body,
                routing_key=message.type,
                message_id=message.id,
                content_type=CONTENT_TYPE,
                content_encoding="utf-8",
                delivery_mode=2,
                headers={"subject": message.key, "soloopsschema": SCHEMA_VERSION},
                retry=False,
                timeout=self.timeout,
            )
        except Exception as e:  # any failure: the broker did not take it
            self.close()
            raise BrokerUnavailable(f"RabbitMQ: {type(e).__name__}: {e}") from e

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a dead connection
                connection.release()
