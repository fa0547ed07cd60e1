"""Probe handlers. Each records a Hit in the delivery transaction (so it commits at most once).

``probe.blocking`` also appends to a file outside the database each time it *starts*, then
waits until the test creates a release file, so a test can kill a worker mid-handler.
"""

import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db.backends.signals import connection_created

from tests.probe.models import Hit


def record(event) -> None:
    Hit.objects.create(event_id=event.pk, handler="record")


def record_again(event) -> None:
    Hit.objects.create(event_id=event.pk, handler="record_again")


# Database connections this process opened (``probe.connection`` reports it).
_opened = [0]


def _count_connection(**kwargs) -> None:
    _opened[0] += 1


connection_created.connect(_count_connection, weak=False)


def record_connection(event) -> None:
    """Records the process, how many database connections it has opened so far, and whether
    it had the URL map imported before this handler ran (``url map`` / ``no url map``)."""
    urls = "url map" if "soloops.urls" in sys.modules else "no url map"
    Hit.objects.create(event_id=event.pk, handler=f"{os.getpid()} {_opened[0]} {urls}")


def fail(event) -> None:
    raise RuntimeError("probe handler failed on purpose")


def write_then_fail(event) -> None:
    Hit.objects.create(event_id=event.pk, handler="write_then_fail")
    raise RuntimeError("probe handler wrote, then failed on purpose")


def blocking(event) -> None:
    probe_dir = Path(settings.PROBE_DIR)
    probe_dir.mkdir(parents=True, exist_ok=True)
    with open(probe_dir / f"started-{event.pk}", "a") as f:
        f.write("start\n")
    release = probe_dir / f"release-{event.pk}"
    deadline = time.monotonic() + 60
    while not release.exists():  # waits for the test, not for time to pass
        if time.monotonic() > deadline:
            raise TimeoutError("probe was never released")
        time.sleep(0.05)
    Hit.objects.create(event_id=event.pk, handler="blocking")


def tick(slot: str) -> None:
    """A scheduled function: records the slot it ran for."""
    Hit.objects.create(event_id=0, handler=f"tick {slot}")
