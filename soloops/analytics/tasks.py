"""The analytics app's tasks: the nightly insights run (handed out by the scheduler) and the
refresh of the daily facts events marked (enqueued by the event handlers on commit)."""

from django.tasks import task


@task()
def insights_nightly(run_id: int) -> str | None:
    """One night's anomaly check, forecasts, reorder points and price suggestions."""
    from soloops.analytics.services import nightly_run

    run = nightly_run(run_id=run_id)
    return run.status if run else None


@task()
def daily_facts_refresh_task() -> int:
    """The daily facts of the days events marked, recomputed (how many days: the return)."""
    from soloops.analytics.services import dirty_days_refresh, facts_refresh_started

    facts_refresh_started()  # before the claim: marks committed from now on enqueue a new task
    return dirty_days_refresh()
