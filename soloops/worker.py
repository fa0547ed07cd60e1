"""The worker process: runs tasks from the configured backend and beats a heartbeat.

With the default ``db`` backend this is django-tasks-db's worker loop (a maintained package:
claims rows with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, an exclusive transaction on
SQLite). With ``celery`` it is a Celery worker consuming the broker.
"""

import logging

from django.conf import settings
from django.utils.crypto import get_random_string

from soloops.monitoring.services import HeartbeatThread

logger = logging.getLogger(__name__)


def run_worker(*, interval: float = 0.2, concurrency: int = 2) -> None:
    heartbeat = HeartbeatThread(role="worker")
    heartbeat.beat()
    heartbeat.start()
    try:
        if settings.TASK_BACKEND == "celery":
            from soloops.automation.celery_backend import run_celery_worker

            run_celery_worker(concurrency=concurrency)
        elif settings.TASK_BACKEND == "db":
            _run_db_worker(interval=interval)
        else:
            raise SystemExit(
                f"the {settings.TASK_BACKEND!r} task backend runs tasks in the caller; "
                "there is nothing for a worker to do"
            )
    finally:
        heartbeat.stop()


def _run_db_worker(*, interval: float) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
    )
    worker.configure_signals()
    logger.info("worker %s started (database backend)", worker.worker_id)
    try:
        worker.run()
    except SystemExit as e:
        if e.code not in (0, None):
            raise
