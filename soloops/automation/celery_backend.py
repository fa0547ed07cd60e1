"""The Celery task backend for ``django.tasks`` (``SOLOOPS_TASK_BACKEND=celery``).

Why our own adapter: there is no sound published Celery backend for ``django.tasks``, and the
part we need is small. Django's Task API stays the only one the domain code sees; Celery does
the queuing and the distribution. Every Django task travels as ONE generic Celery task,
``soloops.run_task``, carrying the Task's dotted path and its JSON arguments, so no task needs
registering with Celery and only this module imports Celery.

Delivery is at least once: messages are acknowledged after the task ran, and a worker killed
mid-task has its message delivered again. Tasks must therefore be idempotent, as the event
dispatch is (one delivery row per handler). On Redis, a message unacknowledged for an hour
(its visibility timeout: a long ``run_after``, a very long task) is delivered once more.
Results are not stored (``supports_get_result`` is false); the database holds every outcome
that matters.
"""

import functools
import os
import socket

from celery import Celery, signals
from django.conf import settings
from django.db import close_old_connections, connections
from django.tasks import (
    DEFAULT_TASK_QUEUE_NAME,
    Task,
    TaskContext,
    TaskResult,
    TaskResultStatus,
    task_backends,
)
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TASK_MAX_PRIORITY, TASK_MIN_PRIORITY
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

RUN_TASK = "soloops.run_task"
# Celery's priority scale on both brokers is 0..9.
BROKER_MAX_PRIORITY = 9


class CeleryBackend(BaseTaskBackend):
    supports_defer = True  # run_after becomes the message's eta
    supports_async_task = True  # Task.call runs a coroutine to completion
    supports_priority = True  # mapped onto the broker's 0..9 priorities (coarse on Redis)
    supports_get_result = False

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        args, kwargs = normalize_json(args), normalize_json(kwargs)  # fail here, not on the worker
        app = celery_app()
        sent = app.send_task(
            RUN_TASK,
            args=[task.module_path, args, kwargs],
            queue=task.queue_name,
            priority=broker_priority(task.priority, app.conf.broker_url),
            eta=task.run_after,
        )
        result = TaskResult(
            task=task,
            id=sent.id,
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result


def broker_priority(priority: int, broker_url: str) -> int:
    """Django's priority (-100..100, higher runs first) on the broker's 0..9 scale."""
    span = TASK_MAX_PRIORITY - TASK_MIN_PRIORITY
    level = round((priority - TASK_MIN_PRIORITY) * BROKER_MAX_PRIORITY / span)
    # RabbitMQ delivers its highest number first; Redis pops its lowest first.
    return BROKER_MAX_PRIORITY - level if broker_url.startswith("redis") else level


def celery_app() -> Celery:
    """The Celery app for the configured broker, created on first use."""
    return _app_for(settings.CELERY_BROKER_URL)


@functools.cache
def _app_for(broker_url: str) -> Celery:
    # fixups=[]: no Celery Django fix-up, which closes every database connection before and
    # after each task (a new PostgreSQL connection per task, most of a small task's cost);
    # _run_task keeps Django's own rules instead (CONN_MAX_AGE, health checks).
    app = Celery("soloops", broker=broker_url, set_as_current=False, fixups=[])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # Acknowledge after the task ran, and give the message back if the process running it
        # dies, so a killed worker loses nothing. Prefetch one so a busy worker does not hold
        # messages another could run.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # The broker redelivers unacknowledged messages when the connection drops; stop the
        # running copies instead of running them twice at once (Celery 6's default).
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_default_queue=DEFAULT_TASK_QUEUE_NAME,
        task_queue_max_priority=BROKER_MAX_PRIORITY,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,  # keep Django's LOGGING
        enable_utc=True,
    )
    app.task(name=RUN_TASK, bind=True)(_run_task)
    return app


def _run_task(celery_task, module_path: str, args: list, kwargs: dict):
    """Run the Django task at ``module_path``; only Task objects may be named (not any callable)."""
    task = import_string(module_path)
    if not isinstance(task, Task):
        raise TypeError(f"{module_path} is not a django.tasks Task")
    from soloops.shop.selectors import shop_zone  # models: not before Django is set up

    close_old_connections()
    try:
        with timezone.override(shop_zone()):  # as the database worker does (shop.task_time)
            return _call(celery_task, task, args, kwargs)
    finally:
        close_old_connections()


def _call(celery_task, task: Task, args: list, kwargs: dict):
    if task.takes_context:
        now = timezone.now()
        running = TaskResult(
            task=task,
            id=celery_task.request.id,
            status=TaskResultStatus.RUNNING,
            enqueued_at=None,
            started_at=now,
            last_attempted_at=now,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=task.backend,
            errors=[],
            worker_ids=[celery_task.request.hostname],
        )
        return task.call(TaskContext(task_result=running), *args, **kwargs)
    return task.call(*args, **kwargs)


def _warm_up() -> None:
    """Import, before the pool forks, what tasks would otherwise import on first use in every
    pool process: the URL map (an email's link to the order calls ``reverse``), which imports
    the whole API with its schemas — about 0.7 s of CPU per process, paid again by every
    process of a restarted worker."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 (imports every URL module, builds the lookups)


def run_celery_worker(*, concurrency: int) -> None:
    """Consume the broker in this process until SIGTERM or SIGINT, which exit cleanly.

    Celery ends a warm shutdown started by SIGINT with exit status 1; a stop we were asked for
    is not a failure, so it returns normally here. A second SIGINT (cold shutdown) or a worker
    that fails keeps its non-zero status.
    """
    queues = sorted(
        {q for b in task_backends.all() if isinstance(b, CeleryBackend) for q in b.queues}
        or {DEFAULT_TASK_QUEUE_NAME}
    )
    shutdowns: list[str] = []

    def on_shutting_down(how: str, **kwargs) -> None:
        shutdowns.append(how)

    signals.worker_shutting_down.connect(on_shutting_down, weak=False)
    _warm_up()
    # Forked pool processes must not share the parent's database sockets.
    connections.close_all()
    worker = celery_app().Worker(
        hostname=f"soloops-{os.getpid()}@{socket.gethostname()}",
        pool_cls="prefork",
        concurrency=concurrency,
        loglevel="INFO",
        queues=queues,
        # Nothing to sync between workers (we never revoke tasks): start faster, talk less.
        without_mingle=True,
        without_gossip=True,
    )
    # app.worker_main() would throw the exit status away; the Worker keeps it.
    worker.start()
    if worker.exitcode and shutdowns != ["Warm"]:
        raise SystemExit(worker.exitcode)
