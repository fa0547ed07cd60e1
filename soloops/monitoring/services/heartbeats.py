"""Process heartbeats: the sign of life /readyz, /metrics and the alerts read."""

import logging
import os
import socket
import threading
import uuid
from datetime import datetime

from django.db import DatabaseError, close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from soloops.monitoring.models import Heartbeat

logger = logging.getLogger(__name__)


def heartbeat_beat(*, process_id: str, role: str, started_at: datetime) -> None:
    """Record that this process is alive (one UPDATE; an INSERT the first time)."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(process_id=process_id).update(
        beat_at=now, beats=F("beats") + 1, updated_at=now
    )
    if not updated:
        Heartbeat.objects.create(
            process_id=process_id,
            role=role,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            beats=1,
            started_at=started_at,
            beat_at=now,
        )


def heartbeat_stop(*, process_id: str) -> None:
    """A process that stops cleanly removes its heartbeat, so readiness reflects it at once."""
    Heartbeat.objects.filter(process_id=process_id).delete()


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
            heartbeat_beat(process_id=self.process_id, role=self.role, started_at=self.started_at)
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
            heartbeat_stop(process_id=self.process_id)
        except DatabaseError:
            logger.warning("could not remove %s heartbeat", self.role, exc_info=True)
