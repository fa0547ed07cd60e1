"""Reports from the mail service's feedback loop: a complaint (the recipient marked a marketing
email as spam) or a bounce (their server refused it for good), each putting the address on the
suppression list. A report names the address and, when it can, the email it is about (our
Message-ID) or the campaign; the same report twice changes nothing the second time."""

from dataclasses import dataclass

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.emails.selectors import SendFilters, emails_list
from soloops.events.services import event_emit
from soloops.marketing.models import Campaign, Suppression, SuppressionReason
from soloops.marketing.services.consent import suppression_add

CAMPAIGN_SUBJECT = "marketing.campaign"
REASONS = {"complaint": SuppressionReason.COMPLAINED, "bounce": SuppressionReason.BOUNCED}


@dataclass(frozen=True)
class FeedbackReport:
    kind: str  # "complaint" or "bounce" (the keys of REASONS)
    email: str
    campaign_id: int | None = None
    message_id: str = ""  # the Message-ID of the email reported, "<...@...>"


def _campaign_of(report: FeedbackReport, email: str) -> int | None:
    """The campaign the report is about: named, else found from the Message-ID of one of the
    emails sent to that address (the emails' index on the recipient keeps this one range)."""
    if report.campaign_id is not None:
        return Campaign.objects.filter(pk=report.campaign_id).values_list("pk", flat=True).first()
    if not report.message_id:
        return None
    about = (
        emails_list(SendFilters(to=email))
        .filter(message_id=report.message_id.strip())
        .values_list("subject_type", "subject_id")
        .first()
    )
    if about and about[0] == CAMPAIGN_SUBJECT and about[1].isdigit():
        return int(about[1])
    return None


def feedback_receive(*, report: FeedbackReport, actor: Actor) -> Suppression:
    """Suppress the reported address for good (a later opt-in does not lift a complaint or a
    bounce). An address already suppressed because it unsubscribed takes the stronger reason,
    with a second ``marketing.suppressed``; one already suppressed for a complaint or a bounce
    stays as it is, and nothing is emitted."""
    reason = REASONS[report.kind]
    email = report.email.strip().lower()
    campaign_id = _campaign_of(report, email)
    with transaction.atomic():
        existing = Suppression.objects.select_for_update().filter(email=email).first()
        if existing is None:
            return suppression_add(email=email, reason=reason, actor=actor, campaign_id=campaign_id)
        if existing.reason != SuppressionReason.UNSUBSCRIBED:
            return existing
        existing.reason = reason
        existing.campaign_id = existing.campaign_id or campaign_id
        existing.save(update_fields=["reason", "campaign", "updated_at"])
        event_emit(
            type="marketing.suppressed",
            subject=existing,
            payload={"email": email, "reason": reason, "campaign_id": existing.campaign_id},
            actor=actor,
        )
    return existing


def feedback_receive_all(*, reports: list[FeedbackReport], actor: Actor) -> list[Suppression]:
    """Every report of one posted body, all or none (a failure leaves no half-applied body for
    the mail service's retry)."""
    with transaction.atomic():
        return [feedback_receive(report=report, actor=actor) for report in reports]
