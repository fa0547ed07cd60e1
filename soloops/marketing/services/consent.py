"""Who may get marketing email: the suppression list, the one-click unsubscribe, bounces and
complaints, and the guard the emails app asks before every marketing send."""

from datetime import datetime

from django.db import IntegrityError, transaction

from soloops.accounts.actors import Actor
from soloops.customers.selectors import customers_by_email
from soloops.customers.services import customer_consent_set
from soloops.events.services import event_emit
from soloops.marketing.models import Suppression, SuppressionReason
from soloops.marketing.tokens import unsubscribe_read

UNSUBSCRIBE = Actor.system("marketing")
TEST_SEND = "marketing.campaign_test"  # subject_type of a test send to the owner's own address


def marketing_block_reason_for(email: str, *, test_send: bool = False) -> str:
    """Why no marketing email may go to ``email`` ("" when it may): suppressed, or no consent
    (a test send goes to the owner, who is asked for no consent, but is still suppressible)."""
    email = (email or "").strip().lower()
    suppressed = Suppression.objects.filter(email=email).values_list("reason", flat=True).first()
    if suppressed:
        return f"suppressed ({suppressed})"
    if test_send:
        return ""
    customer = customers_by_email([email]).get(email)
    if customer is None or customer.erased_at or customer.merged_into_id:
        return "not a customer"
    if not customer.marketing_consent:
        return "no marketing consent"
    return ""


def marketing_guard(to: str, template: str, subject_type: str) -> str:
    """The check handed to the emails app (``marketing_guard_add``) at start-up."""
    return marketing_block_reason_for(to, test_send=subject_type == TEST_SEND)


def suppression_add(
    *, email: str, reason: str, actor: Actor, campaign_id: int | None = None
) -> Suppression:
    """Put an address on the suppression list (the first reason stays); emits
    ``marketing.suppressed`` once."""
    email = email.strip().lower()
    with transaction.atomic():
        existing = Suppression.objects.filter(email=email).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                row = Suppression.objects.create(
                    email=email, reason=reason, campaign_id=campaign_id
                )
        except IntegrityError:
            return Suppression.objects.get(email=email)
        event_emit(
            type="marketing.suppressed",
            subject=row,
            payload={"email": email, "reason": reason, "campaign_id": campaign_id},
            actor=actor,
        )
    return row


def unsubscribe(*, token: str) -> str:
    """The one-click unsubscribe (RFC 8058) and the link's button: no login, the signed token
    names the address. Suppresses it and withdraws the customer's consent; returns the email.
    Safe to repeat."""
    email, campaign_id = unsubscribe_read(token)
    with transaction.atomic():
        suppression_add(
            email=email,
            reason=SuppressionReason.UNSUBSCRIBED,
            actor=UNSUBSCRIBE,
            campaign_id=campaign_id,
        )
        customer = customers_by_email([email]).get(email)
        if customer is not None and customer.marketing_consent and not customer.erased_at:
            customer_consent_set(
                customer=customer, consent=False, source="unsubscribe", actor=UNSUBSCRIBE
            )
    return email


# Sources of consent the customer gave themselves again (or the owner recorded by hand): they
# lift an earlier unsubscribe. An import does not: an old list must not re-subscribe anyone.
RESUBSCRIBE_SOURCES = ("storefront", "api", "console")


def suppression_lift_on_consent(*, email: str, source: str, consented_at: datetime) -> bool:
    """A customer who unsubscribed and opted in again (at ``consented_at``, after the
    unsubscribe) gets marketing email again; a bounce or a complaint stays. Returns whether a
    suppression was lifted."""
    if source not in RESUBSCRIBE_SOURCES:
        return False
    with transaction.atomic():
        lifted, _ = Suppression.objects.filter(
            email=email.strip().lower(),
            reason=SuppressionReason.UNSUBSCRIBED,
            created_at__lt=consented_at,  # a late-handled older consent lifts nothing newer
        ).delete()
    return bool(lifted)
