"""The import's task: a dry run or an import of one job, on the worker."""

from django.tasks import task


@task()
def import_run_task(job_id: str, dry_run: bool) -> None:
    from soloops.integrations.services.import_runs import import_execute

    import_execute(job_id=job_id, dry_run=dry_run)
