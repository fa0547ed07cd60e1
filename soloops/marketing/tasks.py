from django.tasks import task

from soloops.marketing import services


@task()
def campaign_send_batch(campaign_id: int) -> str:
    """Send a campaign's next batch if due; any number of runs send each customer once."""
    return services.campaign_send_batch(campaign_id=campaign_id)
