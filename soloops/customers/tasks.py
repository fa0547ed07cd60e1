"""The customers app's task: recomputing customers' totals on the worker."""

from django.tasks import task


@task()
def customer_stats_refresh_task() -> None:
    """Every customer's orders, spent and first/last order, a batch per transaction (after a
    history import: the file's orders count for their customers without the owner asking)."""
    from soloops.customers.services import customer_stats_refresh

    customer_stats_refresh()
