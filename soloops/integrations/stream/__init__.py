"""The event stream: committed events published to a message broker for other systems.

- ``message.py`` — the message format (a CloudEvents 1.0 JSON envelope, versioned);
- ``brokers.py`` — one adapter interface and the broker chosen by ``SOLOOPS_EVENT_STREAM_URL``;
- ``rabbitmq.py``, ``nats.py``, ``kafka.py`` — one adapter per broker.

The publisher that moves the cursor is ``soloops.integrations.services.stream``.
"""
