"""Start and execute a dry run or an import of an uploaded file: queued on the worker
(``import_start``; the page polls ``import_progress``) or run in this process (``import_run_now``,
the CLI). ``import_execute`` is the task's body.

The import writes through the owning apps' services inside one transaction with its
``import.completed`` event: all-or-nothing rolls the whole file back when a row is bad;
"skip bad rows" keeps the good rows and writes the rejected ones to a CSV with a reason column.
A dry run writes nothing but the job's report.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError
from soloops.events.services import event_emit
from soloops.integrations.imports.cleaning import Cleaner
from soloops.integrations.imports.readers import open_table
from soloops.integrations.imports.runner import Outcome, Run
from soloops.integrations.models.imports import ImportJob, ImportStatus
from soloops.integrations.services.imports import (
    actor_json,
    check_columns,
    check_may,
    check_ready,
    entity_get,
    job_actor,
    rejected_path,
)

PROGRESS_KEY = "soloops:import-progress:{}"


def import_start(*, job: ImportJob, dry_run: bool, skip_bad_rows: bool, actor: Actor) -> ImportJob:
    """Queue a dry run (``dry_run``) or the import on the worker; the page polls the job."""
    from soloops.integrations.import_tasks import import_run_task

    check_ready(job)
    check_may(actor, job.entity)
    check_columns(job.columns, job.header, entity_get(job.entity))
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        check_ready(job)
        job.status = ImportStatus.PREVIEWING if dry_run else ImportStatus.IMPORTING
        job.skip_bad_rows = skip_bad_rows
        job.rows_done = 0
        job.actor = actor_json(actor)
        job.save(update_fields=["status", "skip_bad_rows", "rows_done", "actor", "updated_at"])
        cache.delete(PROGRESS_KEY.format(job.pk))
        job_id = str(job.pk)
        transaction.on_commit(lambda: import_run_task.enqueue(job_id, dry_run))
    return job


def import_progress(job: ImportJob) -> int:
    """Rows read so far by the running task (live, from the shared cache)."""
    return cache.get(PROGRESS_KEY.format(job.pk), job.rows_done)


def import_execute(*, job_id, dry_run: bool, progress=None) -> ImportJob:
    """Read the whole file: count, check, and (unless ``dry_run``) write. The task's body;
    the CLI calls it directly. Never raises for bad input: the job records what went wrong."""
    job = ImportJob.objects.get(pk=job_id)
    with translation.override((job.actor or {}).get("language") or settings.LANGUAGE_CODE):
        return _execute(job, dry_run=dry_run, progress=progress)


def _execute(job: ImportJob, *, dry_run: bool, progress) -> ImportJob:
    actor = job_actor(job)
    key = PROGRESS_KEY.format(job.pk)

    def tick(rows: int) -> None:
        cache.set(key, rows, 3600)
        if progress:
            progress(rows)

    options = job.options or {}
    try:
        table = open_table(
            settings.VAR_DIR / job.stored_path,
            file_format=job.file_format,
            encoding=options.get("encoding", ""),
        )
        run = Run(
            table=table,
            entity=entity_get(job.entity),
            columns=job.columns,
            cleaner=Cleaner(
                date_format=options.get("date_format", "auto"),
                decimal=options.get("decimal", "auto"),
                region=options.get("region", ""),
            ),
            write=not dry_run,
            skip_bad_rows=job.skip_bad_rows,
            actor=actor,
            rejected_path=None if dry_run else rejected_path(job),
            progress=tick,
        )
        if dry_run:
            outcome = run.go()
            return _finish(job, outcome, ImportStatus.PREVIEWED, dry_run=True)
        return _write(job, run, actor)
    except ApplicationError as e:
        return _fail(job, e.message, actor, dry_run=dry_run)


def _write(job: ImportJob, run: Run, actor: Actor) -> ImportJob:
    with transaction.atomic():
        outcome = run.go()
        if outcome.bad and not job.skip_bad_rows:
            transaction.set_rollback(True)
        else:
            job = _finish(job, outcome, ImportStatus.IMPORTED, dry_run=False)
            event_emit(
                type="import.completed",
                subject=job,
                payload={
                    "entity": job.entity,
                    "filename": job.filename,
                    "create": outcome.create,
                    "update": outcome.update,
                    "unchanged": outcome.unchanged,
                    "rejected": outcome.rejected,
                },
                actor=actor,
            )
            return job
    reason = _("%(n)s bad rows; nothing was imported") % {"n": outcome.rejected}
    rejected_path(job).unlink(missing_ok=True)
    return _fail(job, reason, actor, outcome=outcome, dry_run=False)


def _finish(job: ImportJob, outcome: Outcome, status: str, *, dry_run: bool) -> ImportJob:
    job.status = status
    job.rows_done = outcome.rows
    job.rows_total = outcome.rows
    job.report = {
        **outcome.as_dict(),
        "dry_run": dry_run,
        "has_rejected_file": not dry_run and outcome.rejected > 0,
    }
    job.error = ""
    job.save(update_fields=["status", "rows_done", "rows_total", "report", "error", "updated_at"])
    return job


def _fail(
    job: ImportJob, reason: str, actor: Actor, *, outcome: Outcome | None = None, dry_run: bool
) -> ImportJob:
    with transaction.atomic():
        job.status = ImportStatus.FAILED
        if outcome is not None:
            job.rows_done = outcome.rows
            job.report = {**outcome.as_dict(), "dry_run": dry_run, "has_rejected_file": False}
        job.error = reason
        job.save(update_fields=["status", "rows_done", "report", "error", "updated_at"])
        if not dry_run:
            event_emit(
                type="import.failed",
                subject=job,
                payload={"entity": job.entity, "filename": job.filename, "reason": reason},
                actor=actor,
            )
    return job


def import_run_now(
    *, job: ImportJob, dry_run: bool, skip_bad_rows: bool, actor: Actor, progress=None
) -> ImportJob:
    """Run the dry run or the import in this process (the CLI), with the same checks as
    ``import_start``; ``progress(rows)`` is called after each chunk."""
    check_ready(job)
    check_may(actor, job.entity)
    check_columns(job.columns, job.header, entity_get(job.entity))
    job.status = ImportStatus.PREVIEWING if dry_run else ImportStatus.IMPORTING
    job.skip_bad_rows = skip_bad_rows
    job.actor = actor_json(actor)
    job.save(update_fields=["status", "skip_bad_rows", "actor", "updated_at"])
    return import_execute(job_id=job.pk, dry_run=dry_run, progress=progress)
