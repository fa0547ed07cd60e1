import os
import socket
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from soloops.monitoring.models import Heartbeat


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
