"""A background thread that records a process's heartbeat every few seconds."""

import logging
import threading
import uuid

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from soloops.monitoring import services

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 5.0


class HeartbeatThread(threading.Thread):
    def __init__(self, *, role: str, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__(name=f"{role}-heartbeat", daemon=True)
        self.role = role
        self.interval = interval
        self.process_id = f"{role}-{uuid.uuid4().hex[:16]}"
        self.started_at = timezone.now()
        self._stop_event = threading.Event()

    def beat(self) -> None:
        try:
            services.heartbeat_beat(
                process_id=self.process_id, role=self.role, started_at=self.started_at
            )
        except DatabaseError:
            logger.warning("could not record %s heartbeat; will retry", self.role, exc_info=True)
            close_old_connections()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.beat()
        connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        try:
            services.heartbeat_stop(process_id=self.process_id)
        except DatabaseError:
            logger.warning("could not remove %s heartbeat", self.role, exc_info=True)
