"""The scheduler process: fires due cron slots and relays events whose dispatch was lost.

Safe to run more than once: each slot is claimed by a unique (schedule, slot) row, and the
relay claims events with SKIP LOCKED on PostgreSQL (one writer at a time on SQLite).
"""

import logging
import signal
import threading

from django.db import DatabaseError, close_old_connections

from soloops.automation import services
from soloops.emails.services import emails_retry_due
from soloops.events.services import events_relay
from soloops.integrations.services.channels import channels_poll_due
from soloops.integrations.services.webhooks import webhook_deliveries_retry_due
from soloops.monitoring.services import HeartbeatThread

logger = logging.getLogger(__name__)


def run_scheduler(*, tick: float = 1.0) -> None:
    stop = threading.Event()

    def _stop(signum, frame):
        logger.info("scheduler stopping (%s)", signal.strsignal(signum))
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    heartbeat = HeartbeatThread(role="scheduler")
    logger.info("scheduler %s started (tick %.1fs)", heartbeat.process_id, tick)
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                services.schedules_fire_due(fired_by=heartbeat.process_id)
                events_relay()
                # Emails lost by the task queue (their retries travel as deferred tasks); a
                # tick, not a cron Schedule: a per-minute schedule would write 1,440
                # schedule.fired events a day into the audit log, and costs one indexed read.
                emails_retry_due()
                # Webhook deliveries whose task or worker was lost (a claim that expired).
                webhook_deliveries_retry_due()
                # Sales channels' catch-up polls that are due (each runs as a task).
                channels_poll_due()
                services.flow_runs_wake_due()
                heartbeat.beat()
            except DatabaseError:
                logger.exception("scheduler tick failed; trying again next tick")
            stop.wait(tick)
    finally:
        heartbeat.stop()
