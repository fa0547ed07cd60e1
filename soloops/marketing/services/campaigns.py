"""Campaign writes: create, schedule (in the shop's time zone), test send, and the throttled
batches the worker sends them in.

Exactly once per customer per campaign: the audience is frozen into one ``CampaignRecipient``
row per customer (unique), and each is queued with the idempotency key
``campaign:<id>:<customer id>``, so however often a batch runs again (a worker killed mid-batch,
a task handed out twice) the emails pipeline holds one send per customer, transmitted once.
Resumable: a campaign whose next batch is overdue is handed out again by the scheduler
(``campaigns_resume_due``), and the batch carries on with the recipients still pending."""

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.customers.selectors import RFM_SEGMENTS, CustomerFilters, customers_list
from soloops.customers.selectors import segment_get as saved_segment_get
from soloops.emails.selectors import language_for
from soloops.emails.services import email_enqueue
from soloops.errors import Conflict, InvalidInput, NotFound
from soloops.events.services import event_emit
from soloops.marketing.content import campaign_text, message_context
from soloops.marketing.errors import MarketingErrorCode as Code
from soloops.marketing.models import Campaign, CampaignRecipient, CampaignStatus
from soloops.marketing.services.consent import TEST_SEND

logger = logging.getLogger(__name__)

TEMPLATE = "marketing_message"
SENDER = Actor.system("marketing")


def _check_segment(key: str) -> None:
    if key in {value for value, _ in RFM_SEGMENTS}:
        return
    try:
        saved_segment_get(key=key)
    except NotFound:
        raise InvalidInput(
            Code.UNKNOWN_SEGMENT,
            f"no segment {key!r} (an RFM segment or a saved one)",
            field="segment",
        ) from None


def _check_subject_test(subject_en_b: str, subject_zh_b: str) -> None:
    """A subject test names its second subject in both languages, or in neither (half a test
    would send variant b's Chinese readers the first subject and blur the comparison)."""
    if bool(subject_en_b) != bool(subject_zh_b):
        field = "subject_zh_b" if subject_en_b else "subject_en_b"
        raise InvalidInput(
            Code.INVALID_SUBJECT_TEST,
            "a subject test needs its second subject in English and in Chinese",
            field=field,
        )


def campaign_create(*, actor: Actor, **fields) -> Campaign:
    """A draft campaign; ``fields`` are the model's texts (with ``subject_en_b`` and
    ``subject_zh_b`` for a subject test), ``segment`` and ``link_url``."""
    _check_segment(fields["segment"])
    _check_subject_test(fields.get("subject_en_b", ""), fields.get("subject_zh_b", ""))
    with transaction.atomic():
        campaign = Campaign.objects.create(created_by=actor.label, **fields)
        event_emit(
            type="campaign.created",
            subject=campaign,
            payload={"name": campaign.name, "segment": campaign.segment},
            actor=actor,
        )
    return campaign


# What may change while a campaign is a draft or scheduled; once sending starts, nothing.
EDITABLE = (
    "name", "segment", "subject_en", "body_en", "subject_zh", "body_zh", "link_url",
    "subject_en_b", "subject_zh_b",
)  # fmt: skip


def campaign_update(*, campaign: Campaign, actor: Actor, **changes) -> Campaign:
    """Change a draft or scheduled campaign's texts, segment or link (``changes``: fields of
    ``EDITABLE``); ``campaign.updated`` names the fields that changed (none: nothing emitted).
    A campaign that started sending is refused: its recipients got the text as it was."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(Code.NOT_EDITABLE, f"{unknown[0]} cannot be edited", field=unknown[0])
    if "segment" in changes:
        _check_segment(changes["segment"])
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise Conflict(
                Code.NOT_EDITABLE,
                f"the campaign is already {campaign.status}: it can be edited only until it "
                "starts sending",
                field="status",
            )
        _check_subject_test(
            changes.get("subject_en_b", campaign.subject_en_b),
            changes.get("subject_zh_b", campaign.subject_zh_b),
        )
        changed = [name for name in EDITABLE if name in changes and
                   getattr(campaign, name) != changes[name]]  # fmt: skip
        if not changed:
            return campaign
        for name in changed:
            setattr(campaign, name, changes[name])
        campaign.save(update_fields=[*changed, "updated_at"])
        event_emit(
            type="campaign.updated",
            subject=campaign,
            payload={"name": campaign.name, "changed": changed},
            actor=actor,
        )
    return campaign


def campaign_schedule(
    *, campaign: Campaign, actor: Actor, send_at: datetime | None = None
) -> Campaign:
    """Send the campaign at ``send_at`` (aware; a naive time is the shop's local time), or now.
    Only a draft or scheduled campaign may be (re)scheduled."""
    now = timezone.now()
    when = send_at or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_current_timezone())
    if when < now - timedelta(minutes=1):
        raise InvalidInput(Code.INVALID_SEND_AT, "send_at is in the past", field="send_at")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise Conflict(
                Code.NOT_SCHEDULABLE, f"the campaign is already {campaign.status}", field="status"
            )
        campaign.status = CampaignStatus.SCHEDULED
        campaign.send_at = campaign.next_batch_at = when
        campaign.save(update_fields=["status", "send_at", "next_batch_at", "updated_at"])
        event_emit(
            type="campaign.scheduled",
            subject=campaign,
            payload={"name": campaign.name, "send_at": when.isoformat()},
            actor=actor,
        )
        transaction.on_commit(lambda: _enqueue_batch(campaign.pk, when if when > now else None))
    return campaign


def campaign_test_send(
    *, campaign: Campaign, to: str, language: str, actor: Actor, key: str | None = None
):
    """Queue the campaign to ``to`` (the owner's own address) as a customer named like the
    owner would see it; suppressed addresses still get nothing. Returns the email send. The
    same ``key`` (an Idempotency-Key) twice sends one test."""
    if language not in ("en", "zh-hans"):
        raise InvalidInput(Code.INVALID_LANGUAGE, "language is en or zh-hans", field="language")
    subject, body = campaign_text(campaign, language)

    class _Owner:  # what the template shows of "the customer" in a test
        pk = 0
        name = actor.label
        email = to

    context = message_context(
        customer=_Owner, subject=f"[TEST] {subject}", body=body, link_url=campaign.link_url,
        campaign_id=campaign.pk, with_recommendations=False,
    )  # fmt: skip
    with transaction.atomic():
        return email_enqueue(
            to=to,
            template=TEMPLATE,
            context=context,
            language=language,
            idempotency_key=f"campaign-test:{campaign.pk}:{key or uuid.uuid4().hex}",
            subject=(TEST_SEND, str(campaign.pk)),
            actor=actor,
        )


def _enqueue_batch(campaign_id: int, run_after: datetime | None = None) -> None:
    from soloops.marketing.tasks import campaign_send_batch

    try:
        task = campaign_send_batch.using(run_after=run_after) if run_after else campaign_send_batch
        task.enqueue(campaign_id=campaign_id)
    except Exception:
        logger.exception("could not enqueue campaign %s; the scheduler will", campaign_id)


def _freeze_audience(campaign: Campaign, now: datetime) -> int:
    """One recipient row per customer of the segment who consented now (unique per campaign,
    so running this twice adds no one twice). In a subject test every other one, in customer
    order, gets the second subject: two halves alike, whoever joined when."""
    audience = customers_list(CustomerFilters(segment=campaign.segment, consent=True))
    testing = bool(campaign.subject_en_b and campaign.subject_zh_b)
    rows = [
        CampaignRecipient(
            campaign=campaign,
            customer_id=c.pk,
            email=c.email,
            language=language_for(c.language),
            variant="b" if testing and n % 2 else "a",
        )
        for n, c in enumerate(
            audience.filter(erased_at__isnull=True).only("pk", "email", "language").order_by("pk")
        )
    ]
    CampaignRecipient.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    campaign.status = CampaignStatus.SENDING
    campaign.started_at = now
    campaign.save(update_fields=["status", "started_at", "updated_at"])
    event_emit(
        type="campaign.started",
        subject=campaign,
        payload={"name": campaign.name, "recipients": len(rows)},
        actor=SENDER,
    )
    return len(rows)
