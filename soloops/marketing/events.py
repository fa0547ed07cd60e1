"""Event types the marketing app emits, and what it does when a marketing email bounces or an
order comes in (counted into the recommendations' association counts: cheap; the nightly
recount is the truth).

Subject ``marketing.campaign``: ``campaign.created``, ``campaign.updated`` (the fields of a
draft or scheduled campaign that were edited), ``campaign.scheduled``,
``campaign.started`` (the audience was fixed), ``campaign.finished`` (every recipient was
queued or skipped), ``campaign.clicked`` (a recipient's first click on a tracked link).
Subject ``marketing.suppression``: ``marketing.suppressed`` (an address no marketing email may
reach any more: unsubscribed, bounced or complained).

Complaints and bounces reported by the mail service come in through ``webhooks.py``.
Handles ``email.gave_up`` (a marketing email refused for the recipient for good: the address
bounced) and ``customer.consent_changed`` (consent given again from the checkout, the API or the
console lifts an earlier unsubscribe; an import does not).
"""

from soloops.accounts.actors import Actor
from soloops.events.catalogue import EventType, Payload, declare
from soloops.marketing.models import SuppressionReason
from soloops.marketing.services import (
    recommendations_count_order,
    suppression_add,
    suppression_lift_on_consent,
)


class CampaignPayload(Payload):
    name: str


class CampaignCreated(CampaignPayload):
    segment: str


class CampaignUpdated(CampaignPayload):
    changed: list[str]


class CampaignScheduled(CampaignPayload):
    send_at: str


class CampaignStarted(CampaignPayload):
    recipients: int


class CampaignFinished(CampaignPayload):
    queued: int
    skipped: int


class CampaignClicked(Payload):
    email: str
    url: str


class RecommendationsRecomputed(Payload):
    orders: int
    customers: int
    pairs: int


class Suppressed(Payload):
    email: str
    reason: str
    campaign_id: int | None


CAMPAIGN = "marketing.campaign"

EVENTS = declare(
    EventType("campaign.created", CampaignCreated, "a campaign was drafted", CAMPAIGN),
    EventType(
        "campaign.updated",
        CampaignUpdated,
        "a draft or scheduled campaign's texts, segment or link were edited",
        CAMPAIGN,
    ),
    EventType(
        "campaign.scheduled", CampaignScheduled, "a campaign will go out at send_at", CAMPAIGN
    ),
    EventType(
        "campaign.started",
        CampaignStarted,
        "a campaign's audience was fixed and its batches began",
        CAMPAIGN,
    ),
    EventType(
        "campaign.finished",
        CampaignFinished,
        "every recipient of a campaign was queued or skipped",
        CAMPAIGN,
    ),
    EventType(
        "campaign.clicked",
        CampaignClicked,
        "a recipient's first click on a campaign link",
        CAMPAIGN,
    ),
    EventType(
        "marketing.suppressed",
        Suppressed,
        "an address may get no more marketing email (unsubscribed, bounced, complained)",
        "marketing.suppression",
    ),
    EventType(
        "recommendations.recomputed",
        RecommendationsRecomputed,
        "the association counts behind recommendations were recounted from every order",
        "marketing.associationrun",
    ),
)

BOUNCES = Actor.system("mail")
# The emails app's error text for a recipient the mail server refused for good.
HARD_BOUNCE = "SMTPRecipientsRefused"


def _suppress_hard_bounce(event) -> None:
    """A marketing email the server refused for the recipient (5xx): the address bounces."""
    payload = event.payload or {}
    if payload.get("template") != "marketing_message" or not payload.get("permanent"):
        return
    if not str(payload.get("error", "")).startswith(HARD_BOUNCE):
        return
    suppression_add(
        email=payload["to"],
        reason=SuppressionReason.BOUNCED,
        actor=BOUNCES,
        campaign_id=int(payload["subject_id"])
        if payload.get("subject_type") == CAMPAIGN and str(payload.get("subject_id")).isdigit()
        else None,
    )


def _resubscribe(event) -> None:
    """Consent given again (checkout box, API, console) lifts an earlier unsubscribe."""
    payload = event.payload or {}
    if payload.get("consent") and payload.get("email"):
        suppression_lift_on_consent(
            email=payload["email"],
            source=payload.get("source", ""),
            consented_at=event.created_at,
        )


def _count_order(event) -> None:
    recommendations_count_order(order_id=int(event.subject_id))


HANDLERS = {
    "email.gave_up": [_suppress_hard_bounce],
    "customer.consent_changed": [_resubscribe],
    "order.placed": [_count_order],
}
