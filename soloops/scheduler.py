"""The scheduler process: fires due cron slots and relays events whose dispatch was lost.

Safe to run more than once: each slot is claimed by a unique (schedule, slot) row, and the
relay claims events with SKIP LOCKED on PostgreSQL (one writer at a time on SQLite).
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from soloops.analytics.services import dirty_days_refresh_overdue, nightly_due
from soloops.automation import services
from soloops.automation.selectors import runs_failed_count, runs_stalled
from soloops.emails.services import emails_retry_due
from soloops.events.services import events_relay
from soloops.integrations.selectors.webhooks import webhook_subscriptions_paused
from soloops.integrations.services.channels import channels_poll_due
from soloops.integrations.services.stream import stream_publish_due
from soloops.integrations.services.webhooks import webhook_deliveries_retry_due
from soloops.marketing.services import campaigns_resume_due
from soloops.monitoring.services import (
    HeartbeatThread,
    alert_source_add,
    alerts_evaluate,
    backup_nightly_claim,
    backup_nightly_run,
    recoveries_record,
)
from soloops.support.services import classifier_train_due, mailbox_poll_due

logger = logging.getLogger(__name__)

# The flow engine and the outbound webhooks sit beside monitoring (neither imports the other):
# the scheduler, which runs the detectors, hands their figures over.
alert_source_add(name="flow_runs_failed", read=runs_failed_count)
alert_source_add(name="flow_runs_stalled", read=runs_stalled)
alert_source_add(name="webhooks_paused", read=webhook_subscriptions_paused)


def run_scheduler(*, tick: float = 1.0) -> None:
    stop = threading.Event()

    def _stop(signum, frame):
        logger.info("scheduler stopping (%s)", signal.strsignal(signum))
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    heartbeat = HeartbeatThread(role="scheduler")
    backup: threading.Thread | None = None
    next_alerts = 0.0  # monotonic time of the next detector run
    logger.info("scheduler %s started (tick %.1fs)", heartbeat.process_id, tick)
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                services.schedules_fire_due(fired_by=heartbeat.process_id)
                relayed = events_relay()
                # Emails lost by the task queue (their retries travel as deferred tasks); a
                # tick, not a cron Schedule: a per-minute schedule would write 1,440
                # schedule.fired events a day into the audit log, and costs one indexed read.
                resent = emails_retry_due()
                recoveries_record(
                    counts={"events_relayed": relayed, "emails_handed_out_again": resent}
                )
                # Campaigns due to start, or whose next batch's task or worker was lost.
                campaigns_resume_due()
                # Webhook deliveries whose task or worker was lost (a claim that expired).
                webhook_deliveries_retry_due()
                # The support mailbox (IMAP), when one is set and its poll is due.
                mailbox_poll_due()
                # The support classifier, when its model is due (corrections learnt nightly).
                classifier_train_due()
                # Sales channels' catch-up polls that are due (each runs as a task).
                channels_poll_due()
                services.flow_runs_wake_due()
                # The event stream (SOLOOPS_EVENT_STREAM_URL): a batch after the cursor; a
                # broker that is down costs one failed connect per tick, nothing else.
                stream_publish_due()
                backup = _nightly_backup(backup, claimed_by=heartbeat.process_id)
                # Tonight's insights (anomalies, forecasts, reorder points, prices), handed
                # to a worker once a shop day; one indexed read on the other ticks.
                nightly_due(claimed_by=heartbeat.process_id)
                # Days of daily facts whose refresh task was lost (marked over a minute ago);
                # one indexed read when there are none.
                dirty_days_refresh_overdue()
                heartbeat.beat()
                if settings.ALERT_INTERVAL_SECONDS > 0 and time.monotonic() >= next_alerts:
                    next_alerts = time.monotonic() + settings.ALERT_INTERVAL_SECONDS
                    _alerts_evaluate()
            except DatabaseError:
                logger.exception("scheduler tick failed; trying again next tick")
            stop.wait(tick)
    finally:
        heartbeat.stop()


def _nightly_backup(
    running: threading.Thread | None, *, claimed_by: str
) -> threading.Thread | None:
    """Start tonight's backup in a thread of its own once its hour has come (a backup takes
    minutes on a big shop; the ticks go on meanwhile). Two schedulers claim the night once."""
    if running is not None and running.is_alive():
        return running
    slot = backup_nightly_claim(now=timezone.now(), claimed_by=claimed_by)
    if slot is None:
        return None
    thread = threading.Thread(
        target=backup_nightly_run, kwargs={"slot": slot}, name="nightly-backup", daemon=True
    )
    thread.start()
    return thread


def _alerts_evaluate() -> None:
    """Alerts must never stop the scheduler: a detector or a notice that fails is logged and
    tried again next time."""
    try:
        alerts_evaluate()
    except Exception:
        logger.exception("evaluating alerts failed; trying again next time")
