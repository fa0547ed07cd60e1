"""Inbound provider webhooks: store each once (by the provider's event id), answer at once,
and act on it after commit.

``webhook_receive`` stores the raw payload and emits ``payment_webhook.received`` in one
transaction; the event's dispatch (a task after commit, relayed if lost, retried on error)
runs ``webhook_process``, whose writes commit once with the handler's delivery record. A
replayed or retried event id is found by its unique row and does nothing more.
"""

import json
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.events.services import event_emit
from soloops.locking import lock_own_rows
from soloops.payments.models import Payment, Provider, Refund, RefundStatus, WebhookEvent
from soloops.payments.providers.stripe import from_minor, intent_result, refund_result, to_minor

from .payments import payment_record_result, refunds_pending_total
from .refunds import refund_record_result

logger = logging.getLogger(__name__)


def webhook_receive(
    *, provider: str, event_id: str, type: str, payload: str
) -> tuple[WebhookEvent, bool]:
    """Store a verified provider event. Returns (row, created); created is False when this
    event id was received before (Stripe retries, or a replayed request): nothing happens."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                hook = WebhookEvent.objects.create(
                    provider=provider, event_id=event_id, type=type, payload=payload
                )
        except IntegrityError:
            return WebhookEvent.objects.get(provider=provider, event_id=event_id), False
        event_emit(
            type="payment_webhook.received",
            subject=hook,
            payload={"provider": provider, "event_id": event_id, "type": type},
            actor=Actor.system(provider),
        )
    return hook, True


def webhook_process(*, webhook_id: int) -> WebhookEvent:
    """Act on a stored webhook once. Precondition: inside the transaction of the handler's
    delivery (an error rolls everything back and the dispatch retries it).

    What cannot be acted on (a payment we do not know, an amount that does not match, a type
    we ignore) is marked processed with the reason in ``error``; retrying would not help.
    """
    hook = WebhookEvent.objects.select_for_update().get(pk=webhook_id)
    if hook.processed_at is not None:
        return hook
    data = json.loads(hook.payload)
    handler = STRIPE_HANDLERS.get(hook.type) if hook.provider == Provider.STRIPE else None
    if handler is None:
        note = f"ignored: SoloOps does not act on {hook.provider} {hook.type}"
    else:
        note = handler(data["data"]["object"], Actor.system(hook.provider))
    if note:
        logger.info("webhook %s %s: %s", hook.provider, hook.event_id, note)
    hook.processed_at = timezone.now()
    hook.error = note
    hook.save(update_fields=["processed_at", "error", "updated_at"])
    return hook


def _uid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _stripe_payment(intent_id: str | None, metadata: dict | None) -> Payment | None:
    """The payment a Stripe object is about: by the uid we put in its metadata (set before
    the intent existed), else by the intent id we recorded."""
    payments = Payment.objects.select_related("order").filter(provider=Provider.STRIPE)
    uid = _uid((metadata or {}).get("soloops_payment"))
    if uid is not None and (payment := payments.filter(uid=uid).first()):
        return payment
    if intent_id:
        return payments.filter(provider_reference=intent_id).first()
    return None


def _on_payment_intent(intent: dict, actor: Actor) -> str:
    payment = _stripe_payment(intent.get("id"), intent.get("metadata"))
    if payment is None:
        return f"no payment for PaymentIntent {intent.get('id')}"
    expected = to_minor(payment.amount, payment.currency)
    if intent.get("amount") != expected or intent.get("currency") != payment.currency.lower():
        # Not ours to settle: the intent was changed outside SoloOps. The owner decides.
        return (
            f"PaymentIntent {intent.get('id')} is for {intent.get('amount')} "
            f"{intent.get('currency')}, payment {payment.pk} expects {expected} "
            f"{payment.currency.lower()} (minor units); nothing recorded"
        )
    result = intent_result(intent)
    if result.status != "pending":
        payment_record_result(payment=payment, result=result, actor=actor)
    return ""


# A refund recorded from a charge's ``amount_refunded`` when the event named no refund objects
# has the reference "<charge id>:<amount_refunded>"; Stripe's own ids never hold a colon. Such a
# row stands for refunds Stripe will name later (``refund.created``): each is matched to it.
FROM_TOTAL = ":"


def _known_refund(payment: Payment, stripe_refund: dict, reference: str) -> Refund | None:
    refunds = Refund.objects.select_for_update().filter(payment=payment)
    uid = _uid((stripe_refund.get("metadata") or {}).get("soloops_refund"))
    refund = refunds.filter(uid=uid).first() if uid else None
    if refund is None and reference:
        refund = refunds.filter(provider_reference=reference).first()
    return refund


def _claim_from_total(payment: Payment, amount, reference: str) -> bool:
    """A succeeded Stripe refund we have not seen by its id may already be counted in a refund
    recorded from a charge's total. If so, give it its id (the same amount) or split it off
    (a total that covered several refunds): the money is counted once, no new event."""
    from_totals = list(
        Refund.objects.select_for_update().filter(
            payment=payment,
            status=RefundStatus.SUCCEEDED,
            provider_reference__contains=FROM_TOTAL,
        )
    )
    same = next((r for r in from_totals if r.amount == amount), None)
    if same is not None:
        same.provider_reference = reference
        same.save(update_fields=["provider_reference", "updated_at"])
        return True
    larger = next((r for r in from_totals if r.amount > amount), None)
    if larger is None:
        return False
    larger.amount -= amount
    larger.save(update_fields=["amount", "updated_at"])
    Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=larger.reason,
        provider_reference=reference,
        status=RefundStatus.SUCCEEDED,
    )
    return True


def _apply_refund(payment: Payment, stripe_refund: dict, actor: Actor) -> None:
    """One Stripe refund object, keyed by our uid in its metadata or by its Stripe id: ours
    gets its answer recorded; one made in Stripe's dashboard is recorded once it succeeded,
    unless a charge's total already counted it. Precondition: the payment's row is locked."""
    result = refund_result(stripe_refund)
    refund = _known_refund(payment, stripe_refund, result.reference)
    if refund is None:
        if result.status != "succeeded":
            return  # an outside refund counts once Stripe says it succeeded
        amount = from_minor(stripe_refund["amount"], payment.currency)
        if result.reference and _claim_from_total(payment, amount, result.reference):
            return
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            reason=f"refunded in Stripe ({stripe_refund.get('reason') or 'no reason given'})",
            provider_reference=result.reference,
        )
    refund_record_result(refund=refund, result=result, actor=actor)


def _locked(payment: Payment) -> Payment:
    """Webhooks about one payment may be processed at once by two workers: whatever reads its
    refunds to decide what is new does so under the payment's row lock."""
    return lock_own_rows(Payment.objects).select_related("order").get(pk=payment.pk)


def _on_charge_refunded(charge: dict, actor: Actor) -> str:
    payment = _stripe_payment(charge.get("payment_intent"), charge.get("metadata"))
    if payment is None:
        return f"no payment for charge {charge.get('id')}"
    payment = _locked(payment)
    # Recent API versions leave charge.refunds out; older ones list them.
    for stripe_refund in (charge.get("refunds") or {}).get("data") or []:
        _apply_refund(payment, stripe_refund, actor)
    # Reconcile with Stripe's total: what it refunded and we know nothing of (no refund objects
    # in the event) is recorded as one refund from the total, named when its refund.* arrives.
    payment.refresh_from_db()
    total = from_minor(charge.get("amount_refunded") or 0, payment.currency)
    counted = payment.amount_refunded + refunds_pending_total(payment)
    unknown = total - counted
    if unknown > 0:
        refund = Refund.objects.create(
            payment=payment,
            amount=unknown,
            reason="refunded in Stripe",
            provider_reference=f"{charge.get('id')}{FROM_TOTAL}{charge.get('amount_refunded')}",
            status=RefundStatus.PENDING,
        )
        refund_record_result(
            refund=refund, result=refund_result({"status": "succeeded"}), actor=actor
        )
    elif unknown < 0 and payment.amount_refunded > total:
        return (
            f"Stripe reports {total} refunded on charge {charge.get('id')}, SoloOps counts "
            f"{payment.amount_refunded}; nothing recorded"
        )
    return ""


def _on_refund(stripe_refund: dict, actor: Actor) -> str:
    payment = _stripe_payment(stripe_refund.get("payment_intent"), None)
    if payment is None:
        return f"no payment for refund {stripe_refund.get('id')}"
    _apply_refund(_locked(payment), stripe_refund, actor)
    return ""


# Stripe event type → what to do with its data.object; each returns why it did nothing ("").
STRIPE_HANDLERS = {
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.amount_capturable_updated": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
}
