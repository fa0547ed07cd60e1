"""One interface for every broker, and the broker a ``SOLOOPS_EVENT_STREAM_URL`` names.

An adapter's ``publish`` returns only once the broker holds the message durably (RabbitMQ
publisher confirm, JetStream ack, Kafka delivery report) and raises ``BrokerUnavailable``
otherwise; the publisher then stops and starts again from the same event next time, so
nothing is lost and nothing is reordered — a message may be sent twice, always with its id.
"""

from typing import Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

from soloops.integrations.stream.message import StreamMessage


class BrokerUnavailable(Exception):
    """The broker did not take the message (down, refused, timed out)."""


class BrokerAdapter(Protocol):
    def publish(self, message: StreamMessage) -> None: ...

    def close(self) -> None: ...


class BadStreamUrl(ValueError):
    pass


def split_options(url: str) -> tuple[str, dict[str, str]]:
    """``nats://h:4222?stream=S`` → (``nats://h:4222``, {"stream": "S"}): our options ride on
    the URL's query so one setting says everything."""
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query="")), options


def adapter_for(url: str) -> BrokerAdapter:
    scheme = urlsplit(url).scheme
    base, options = split_options(url)
    if scheme in ("amqp", "amqps", "pyamqp"):
        from soloops.integrations.stream.rabbitmq import RabbitMQAdapter

        return RabbitMQAdapter(base, **options)
    if scheme in ("nats", "tls"):
        from soloops.integrations.stream.nats import NatsAdapter

        return NatsAdapter(base, **options)
    if scheme == "kafka":
        from soloops.integrations.stream.kafka import KafkaAdapter

        return KafkaAdapter(base, **options)
    raise BadStreamUrl(
        f"SOLOOPS_EVENT_STREAM_URL must start with kafka://, amqp:// or nats://, not {url!r}"
    )
