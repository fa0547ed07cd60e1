"""NATS JetStream: subject ``soloops.<event type>`` (e.g. ``soloops.order.placed``) in the
stream ``SOLOOPS`` (created with subjects ``soloops.>`` if missing).

Each message carries ``Nats-Msg-Id: <event id>``, so JetStream drops a re-sent message inside
its duplicate window, and consumers can dedupe on it beyond. ``publish`` returns on the
JetStream ack. The client runs on an event loop in a thread of the adapter's own, so a caller
that already runs a loop in its thread (an async server, a test harness) can publish too.
"""

import asyncio
import contextlib
import threading

import nats
from nats.js.api import StreamConfig

from soloops.integrations.stream.brokers import BrokerUnavailable
from soloops.integrations.stream.message import CONTENT_TYPE, SCHEMA_VERSION, StreamMessage


class NatsAdapter:
    def __init__(
        self, url: str, stream: str = "SOLOOPS", prefix: str = "soloops", timeout: str = "10"
    ):
        self.url = url
        self.stream = stream
        self.prefix = prefix
        self.timeout = float(timeout)
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="nats-stream", daemon=True).start()
        self._client = None
        self._js = None

    def _run(self, coroutine):
        """Run ``coroutine`` on the adapter's loop and wait for it (a little longer than the
        client's own timeouts, which fail first)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=3 * self.timeout + 5)

    async def _open(self):
        if self._js is None:
            client = await nats.connect(
                self.url,
                connect_timeout=self.timeout,
                allow_reconnect=False,
                max_reconnect_attempts=0,
            )
            js = client.jetstream(timeout=self.timeout)
            try:
                await js.stream_info(self.stream)
            except nats.js.errors.NotFoundError:
                await js.add_stream(StreamConfig(name=self.stream, subjects=[f"{self.prefix}.>"]))
            self._client, self._js = client, js
        return self._js

    async def _publish(self, message: StreamMessage) -> None:
        js = await self._open()
        await js.publish(
            f"{self.prefix}.{message.type}",
            message.body,
            timeout=self.timeout,
            headers={
                "Nats-Msg-Id": message.id,
                "Content-Type": CONTENT_TYPE,
                "Subject": message.key,
                "Soloops-Schema": SCHEMA_VERSION,
            },
        )

    def publish(self, message: StreamMessage) -> None:
        try:
            self._run(self._publish(message))
        except Exception as e:  # any failure: JetStream did not ack it
            self.close()
            raise BrokerUnavailable(f"NATS: {type(e).__name__}: {e}") from e

    def close(self) -> None:
        client, self._client, self._js = self._client, None, None
        if client is not None:
            with contextlib.suppress(Exception):  # closing a dead connection
                self._run(client.close())
