"""A click on a tracked link: the first click of each recipient counts for the results."""

from django.db import transaction
from django.utils import timezone

from soloops.events.services import event_emit
from soloops.marketing.models import CampaignRecipient
from soloops.marketing.services.consent import UNSUBSCRIBE as MARKETING
from soloops.marketing.tokens import click_read


def campaign_click(*, token: str) -> str:
    """Record the click a signed link stands for; returns where to send the reader. A forged
    token is InvalidInput; a click on a deleted campaign still redirects."""
    recipient_id, url = click_read(token)
    with transaction.atomic():
        first = CampaignRecipient.objects.filter(pk=recipient_id, clicked_at__isnull=True).update(
            clicked_at=timezone.now()
        )
        if first:
            recipient = CampaignRecipient.objects.get(pk=recipient_id)
            event_emit(
                type="campaign.clicked",
                subject=("marketing.campaign", recipient.campaign_id),
                payload={"email": recipient.email, "url": url},
                actor=MARKETING,
            )
    return url
