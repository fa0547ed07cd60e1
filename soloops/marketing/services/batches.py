"""The throttled sending of a campaign: one batch per task run, then the next one later."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.customers.selectors import customers_by_ids
from soloops.emails.services import email_enqueue, marketing_block_reason
from soloops.events.services import event_emit
from soloops.marketing.content import campaign_text, message_context
from soloops.marketing.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus

from .campaigns import SENDER, TEMPLATE, _enqueue_batch, _freeze_audience


def _queue_one(campaign: Campaign, recipient: CampaignRecipient, customer) -> None:
    blocked = marketing_block_reason(to=recipient.email, template=TEMPLATE, subject_type="")
    if blocked or customer is None:
        recipient.status = RecipientStatus.SKIPPED
        recipient.save(update_fields=["status", "updated_at"])
        return
    subject, body = campaign_text(campaign, recipient.language, recipient.variant)
    context = message_context(
        customer=customer,
        subject=subject,
        body=body,
        link_url=campaign.link_url,
        campaign_id=campaign.pk,
        recipient_id=recipient.pk,
    )
    send = email_enqueue(
        to=recipient.email,
        template=TEMPLATE,
        context=context,
        language=recipient.language,
        idempotency_key=f"campaign:{campaign.pk}:{recipient.customer_id}",
        subject=("marketing.campaign", str(campaign.pk)),
        actor=SENDER,
    )
    recipient.status = RecipientStatus.QUEUED
    recipient.send_id = send.pk
    recipient.save(update_fields=["status", "send_id", "updated_at"])


def campaign_send_batch(*, campaign_id: int, now: datetime | None = None) -> str:
    """Run the campaign's next batch if it is due (the body of the ``campaign_send_batch``
    task; any number of runs are safe). Returns the campaign's status after it."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None or campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SENT):
            return campaign.status if campaign else "missing"
        if campaign.next_batch_at and campaign.next_batch_at > now:
            return campaign.status  # not yet: an early or doubled task
        if campaign.status == CampaignStatus.SCHEDULED:
            _freeze_audience(campaign, now)
        batch = list(
            CampaignRecipient.objects.filter(
                campaign=campaign, status=RecipientStatus.PENDING
            ).order_by("id")[: settings.MARKETING_BATCH_SIZE]
        )
        customers = customers_by_ids([r.customer_id for r in batch])
        for recipient in batch:
            _queue_one(campaign, recipient, customers.get(recipient.customer_id))
        more = CampaignRecipient.objects.filter(
            campaign=campaign, status=RecipientStatus.PENDING
        ).exists()
        if more:
            due = now + timedelta(seconds=settings.MARKETING_BATCH_SECONDS)
            campaign.next_batch_at = due
            campaign.save(update_fields=["next_batch_at", "updated_at"])
            transaction.on_commit(lambda: _enqueue_batch(campaign.pk, due))
        else:
            _finish(campaign, now)
    return campaign.status


def _finish(campaign: Campaign, now: datetime) -> None:
    campaign.status = CampaignStatus.SENT
    campaign.finished_at = now
    campaign.next_batch_at = None
    campaign.save(update_fields=["status", "finished_at", "next_batch_at", "updated_at"])
    counts = dict.fromkeys(RecipientStatus.values, 0)
    for status in CampaignRecipient.objects.filter(campaign=campaign).values_list(
        "status", flat=True
    ):
        counts[status] += 1
    event_emit(
        type="campaign.finished",
        subject=campaign,
        payload={
            "name": campaign.name,
            "queued": counts[RecipientStatus.QUEUED],
            "skipped": counts[RecipientStatus.SKIPPED],
        },
        actor=SENDER,
    )


def campaigns_resume_due(*, now: datetime | None = None) -> int:
    """Hand out again each campaign whose batch is overdue (its task or worker was lost): the
    scheduler's safety net, like the emails' retry sweep. One indexed read when none is."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RELAY_DELAY_SECONDS)
    due = list(
        Campaign.objects.filter(
            status__in=(CampaignStatus.SCHEDULED, CampaignStatus.SENDING),
            next_batch_at__lte=cutoff,
        ).values_list("pk", flat=True)[:50]
    )
    # Due now, so the handed-out task runs the batch; not overdue again for a relay delay.
    Campaign.objects.filter(pk__in=due).update(next_batch_at=now)
    for campaign_id in due:
        _enqueue_batch(campaign_id)
    return len(due)
