"""The analytics app's tasks: the nightly insights run (handed out by the scheduler)."""

from django.tasks import task


@task()
def insights_nightly(run_id: int) -> str | None:
    """One night's anomaly check, forecasts, reorder points and price suggestions."""
    from soloops.analytics.services import nightly_run

    run = nightly_run(run_id=run_id)
    return run.status if run else None
