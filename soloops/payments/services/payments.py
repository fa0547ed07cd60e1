"""Taking payment: start, capture, mark a manual payment received, and record what a provider
answered (directly or by webhook).

Each action runs in three steps: record the intent (a durable transaction), call the provider
outside any transaction with a key derived from (payment, action), record the result. A crash
between the steps leaves the payment ``pending`` (or ``authorized``); doing the action again
repeats the call with the same key, which the provider answers with its first answer.
"""

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.idempotency import hash_request, replay
from soloops.locking import lock_own_rows
from soloops.orders.services import order_mark_paid
from soloops.payments import providers
from soloops.payments.errors import PaymentErrorCode as Code
from soloops.payments.models import LIVE, REFUNDABLE, Payment, PaymentStatus, Provider, RefundStatus
from soloops.payments.providers import ChargeRequest, ChargeResult, ProviderUnavailable
from soloops.payments.providers.sandbox import card_digits, is_test_card

from .provider_calls import provider_key, require_no_transaction, unavailable

S = PaymentStatus
# Order statuses (soloops.orders.models.OrderStatus, which other apps may not import): only an
# accepted order may become paid; money taken for a cancelled or rejected one is due back.
ORDER_PAYABLE = "accepted"
ORDER_PAID = "paid"
ORDER_CLOSED = ("cancelled", "rejected")


def payment_payload(payment: Payment, **extra) -> dict:
    """What every payment event carries (the emails app reads order_number, amount, currency)."""
    return {
        "order_number": payment.order.number,
        "payment": payment.pk,
        "provider": payment.provider,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "reference": payment.provider_reference,
        **extra,
    }


def _check_provider(provider: str, card_number: str | None) -> None:
    if provider not in Provider.values:
        raise InvalidInput(
            Code.UNKNOWN_PROVIDER,
            f"no payment provider {provider!r}; choose one of {', '.join(Provider.values)}",
            field="provider",
        )
    if provider not in settings.PAYMENT_PROVIDERS:
        raise InvalidInput(
            Code.PROVIDER_DISABLED,
            f"this shop does not take {provider} payments (SOLOOPS_PAYMENT_PROVIDERS)",
            field="provider",
        )
    if provider == Provider.STRIPE and not settings.STRIPE_API_KEY:
        raise InvalidInput(
            Code.PROVIDER_NOT_CONFIGURED,
            "Stripe is not set up: STRIPE_API_KEY is empty",
            field="provider",
        )
    if provider == Provider.SANDBOX:
        if not is_test_card(card_number):
            raise InvalidInput(
                Code.INVALID_CARD,
                "the sandbox takes only its test card numbers, e.g. 4242424242424242",
                field="card_number",
            )
    elif card_number:
        # Real card numbers never touch SoloOps: Stripe collects them in the customer's browser.
        raise InvalidInput(
            Code.CARD_NOT_ALLOWED,
            f"{provider} payments take no card number",
            field="card_number",
        )


def _request_hash(order_number: str, provider: str, card_number: str | None) -> str:
    # The card's last four digits only: even a hash of a whole number is not kept.
    return hash_request(
        {"order": order_number, "provider": provider, "card": card_digits(card_number)[-4:]}
    )


def _replay(key: str, request_hash: str) -> Payment | None:
    return replay(Payment.objects.select_related("order"), key=key, request_hash=request_hash)


def payment_start(
    *,
    order,
    provider: str,
    actor: Actor,
    card_number: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[Payment, bool]:
    """Take the order's total through ``provider``: authorize, and capture at once where the
    provider can (sandbox cards; Stripe once the customer confirms). Returns (payment, created);
    created is False for a replay of the same Idempotency-Key, which answers the same payment.

    A declined card is a ``failed`` payment (the order stays unpaid and may be paid again).
    An order has at most one payment that has not failed; starting again while its payment is
    ``pending`` without a provider answer repeats that payment's call, not a new charge.
    """
    request_hash = _request_hash(order.number, provider, card_number) if idempotency_key else ""
    if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
        return _resume(existing, card_number, actor), False
    _check_provider(provider, card_number)
    try:
        payment = _payment_open(order, provider, card_number, idempotency_key, request_hash)
    except IntegrityError:
        # A concurrent request won the race for this key or this order's one live payment.
        if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
            return existing, False
        raise Conflict(
            Code.PAYMENT_IN_PROGRESS, f"order {order.number} is being paid by another request"
        ) from None
    return _resume(payment, card_number, actor), True


def _payment_open(order, provider, card_number, idempotency_key, request_hash) -> Payment:
    with transaction.atomic(durable=True):
        order.refresh_from_db(fields=["status", "total", "currency"])
        if order.status == ORDER_PAID:
            raise Conflict(Code.ALREADY_PAID, f"order {order.number} is already paid")
        if order.status != ORDER_PAYABLE:
            raise Conflict(
                Code.ORDER_NOT_PAYABLE,
                f"order {order.number} is {order.status}; only an accepted order takes payment",
                extra={"order_status": order.status},
            )
        if order.total <= 0:
            raise Conflict(Code.NOTHING_TO_PAY, f"order {order.number} has nothing to pay")
        live = Payment.objects.filter(order=order, status__in=LIVE).first()
        if live is not None:
            unanswered = live.status == S.PENDING and not live.provider_reference
            if unanswered and live.provider == provider:
                return live  # an earlier start whose provider answer never arrived: repeat it
            raise Conflict(
                Code.PAYMENT_IN_PROGRESS,
                f"order {order.number} already has a {live.status} {live.provider} payment "
                f"({live.pk}); capture it or cancel it first",
                extra={"payment": live.pk},
            )
        return Payment.objects.create(
            order=order,
            provider=provider,
            amount=order.total,
            currency=order.currency,
            status=S.PENDING,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            card_last4=card_digits(card_number)[-4:] if provider == Provider.SANDBOX else "",
        )


def _resume(payment: Payment, card_number: str | None, actor: Actor) -> Payment:
    """Call the provider for a payment that has no answer yet; else answer it as it is."""
    if payment.status != S.PENDING or payment.provider_reference:
        return payment
    require_no_transaction("payment_start")
    request = ChargeRequest(
        amount=payment.amount,
        currency=payment.currency,
        order_number=payment.order.number,
        metadata={"soloops_payment": str(payment.uid), "order_number": payment.order.number},
        card_number=card_number,
    )
    try:
        result = providers.provider_for(payment.provider).authorize(
            request, idempotency_key=provider_key(payment.uid, "authorize")
        )
    except ProviderUnavailable as e:
        raise unavailable(
            e,
            retry="Start the payment again (the same request, or any for this order).",
            extra={"payment": payment.pk},
        ) from e
    return payment_record_result(payment=payment, result=result, actor=actor)


def _get(payment: Payment) -> Payment:
    return Payment.objects.select_related("order").get(pk=payment.pk)


def payment_capture(*, payment: Payment, actor: Actor) -> Payment:
    """Take the money of an authorized card payment. Capturing a captured payment answers it
    as it is; a refused capture (e.g. awaiting the processor's confirmation) is a 409 and the
    payment stays authorized."""
    payment = _get(payment)
    if payment.provider == Provider.MANUAL:
        raise Conflict(
            Code.NOT_CAPTURABLE,
            "a manual payment is captured when the owner marks it received "
            f"(POST /api/payments/{payment.pk}/mark-paid)",
        )
    if payment.status in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED):
        return payment
    if payment.status != S.AUTHORIZED:
        raise Conflict(
            Code.NOT_CAPTURABLE,
            f"payment {payment.pk} is {payment.status}; only an authorized payment can be captured",
            extra={"status": payment.status},
        )
    require_no_transaction("payment_capture")
    try:
        result = providers.provider_for(payment.provider).capture(
            reference=payment.provider_reference,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=provider_key(payment.uid, "capture"),
        )
    except ProviderUnavailable as e:
        raise unavailable(e, retry="Capture again.", extra={"payment": payment.pk}) from e
    payment = payment_record_result(payment=payment, result=result, actor=actor)
    if result.status == "authorized":
        raise Conflict(
            Code.CAPTURE_FAILED,
            f"the provider did not capture payment {payment.pk}: {result.failure_reason}",
            extra={"payment": payment.pk, "status": payment.status},
        )
    return payment


def payment_mark_paid_manual(*, payment: Payment, actor: Actor, reference: str = "") -> Payment:
    """The owner says the bank transfer arrived or the courier handed over the cash."""
    payment = _get(payment)
    if payment.provider != Provider.MANUAL:
        raise Conflict(
            Code.NOT_MANUAL,
            f"payment {payment.pk} is a {payment.provider} payment; its provider reports it paid",
        )
    if payment.status in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED):
        return payment
    if payment.status != S.AUTHORIZED:
        raise Conflict(
            Code.NOT_CAPTURABLE,
            f"payment {payment.pk} is {payment.status} and cannot be marked paid",
            extra={"status": payment.status},
        )
    result = providers.provider_for(Provider.MANUAL).capture(
        reference=reference.strip(),
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=provider_key(payment.uid, "capture"),
    )
    return payment_record_result(payment=payment, result=result, actor=actor)


def payment_sandbox_confirm(*, payment: Payment, actor: Actor) -> Payment:
    """Play the sandbox processor confirming a delayed charge (test card ...3220), as its
    webhook would: the charge is captured and the order paid."""
    payment = _get(payment)
    if payment.provider != Provider.SANDBOX:
        raise Conflict(Code.NOT_SANDBOX, f"payment {payment.pk} is not a sandbox payment")
    if payment.status in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED):
        return payment
    if payment.status != S.AUTHORIZED:
        raise Conflict(
            Code.NOT_CAPTURABLE,
            f"payment {payment.pk} is {payment.status}; nothing to confirm",
            extra={"status": payment.status},
        )
    require_no_transaction("payment_sandbox_confirm")
    result = providers.provider_for(Provider.SANDBOX).confirm(reference=payment.provider_reference)
    return payment_record_result(payment=payment, result=result, actor=actor)


def payment_cancel(*, payment: Payment, actor: Actor, reason: str) -> Payment:
    """Stop a payment that took no money yet: release a card authorization, abandon a Stripe
    intent the customer never confirmed, stop expecting a bank transfer. The payment becomes
    ``failed`` (the order may then be paid another way). Money already taken is refunded
    instead: a payment captured meanwhile is recorded as such and the cancel refused (409)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(Code.REASON_REQUIRED, "say why the payment is cancelled", field="reason")
    payment = _get(payment)
    if payment.status == S.PENDING and not payment.provider_reference:
        # The provider's answer never arrived: ask again first (same key, so no new charge;
        # without a card the sandbox only repeats an answer it gave), then act on it.
        payment = _resume(payment, None, actor)
    if payment.status == S.FAILED:
        return payment
    if payment.status not in (S.PENDING, S.AUTHORIZED):
        raise Conflict(
            Code.NOT_CANCELLABLE,
            f"payment {payment.pk} is {payment.status}; money already taken is refunded instead",
            extra={"status": payment.status},
        )
    require_no_transaction("payment_cancel")
    try:
        result = providers.provider_for(payment.provider).void(
            reference=payment.provider_reference,
            idempotency_key=provider_key(payment.uid, "void"),
        )
    except ProviderUnavailable as e:
        raise unavailable(e, retry="Cancel again.", extra={"payment": payment.pk}) from e
    if result.status == "failed":
        result = ChargeResult(
            status="failed", reference=result.reference, failure_reason=f"cancelled: {reason}"
        )
    payment = payment_record_result(payment=payment, result=result, actor=actor)
    if payment.status != S.FAILED:
        raise Conflict(
            Code.CANCEL_REFUSED,
            f"payment {payment.pk} could not be cancelled: it is {payment.status}"
            + (f" ({result.failure_reason})" if result.failure_reason else ""),
            extra={"payment": payment.pk, "status": payment.status},
        )
    return payment


# Which provider answer moves a payment from which status (anything else changes nothing).
# A failed payment may still become authorized or captured: Stripe lets the customer retry
# the same PaymentIntent after a decline, and the provider's word on money wins.
_MOVES = {
    "authorized": ({S.PENDING, S.FAILED}, S.AUTHORIZED),
    "captured": ({S.PENDING, S.AUTHORIZED, S.FAILED}, S.CAPTURED),
    "failed": ({S.PENDING, S.AUTHORIZED}, S.FAILED),
}


def payment_record_result(*, payment: Payment, result: ChargeResult, actor: Actor) -> Payment:
    """Record what the provider answered, once: a repeated answer changes nothing.

    A capture moves the order to paid in the same transaction. If the order can no longer be
    paid (cancelled or rejected meanwhile), the payment is still recorded as captured and
    ``payment.refund_due`` says the money must go back; an order on hold becomes paid when it
    is accepted again (see ``payment_reconcile_order``).
    """
    with transaction.atomic():
        payment = lock_own_rows(Payment.objects).select_related("order").get(pk=payment.pk)
        fields = []
        if result.reference and not payment.provider_reference:
            payment.provider_reference = result.reference
            fields.append("provider_reference")
        if result.next_action != payment.next_action and result.status == "pending":
            payment.next_action = result.next_action
            fields.append("next_action")
        sources, target = _MOVES.get(result.status, (set(), None))
        moved = payment.status in sources
        if moved:
            payment.status = target
            payment.failure_reason = result.failure_reason if target == S.FAILED else ""
            payment.next_action = {}
            fields += ["status", "failure_reason", "next_action"]
            if target == S.AUTHORIZED:
                payment.authorized_at = timezone.now()
                fields.append("authorized_at")
            if target == S.CAPTURED:
                payment.captured_at = timezone.now()
                fields.append("captured_at")
        elif result.failure_reason and result.failure_reason != payment.failure_reason:
            payment.failure_reason = result.failure_reason  # e.g. why a capture was refused
            fields.append("failure_reason")
        if not fields:
            return payment
        payment.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        if not moved:
            return payment
        if target == S.CAPTURED:
            paid = _order_mark_paid(payment, actor)
            event_emit(
                type="payment.captured",
                subject=payment,
                payload=payment_payload(payment, order_paid=paid),
                actor=actor,
            )
            if not paid and payment.order.status in ORDER_CLOSED:
                _emit_refund_due(payment, payment.amount - payment.amount_refunded, actor)
        elif target == S.AUTHORIZED:
            event_emit(
                type="payment.authorized",
                subject=payment,
                payload=payment_payload(payment),
                actor=actor,
            )
        else:
            event_emit(
                type="payment.failed",
                subject=payment,
                payload=payment_payload(payment, reason=payment.failure_reason),
                actor=actor,
            )
    return payment


def _order_mark_paid(payment: Payment, actor: Actor) -> bool:
    order = payment.order
    try:
        order_mark_paid(
            order=order,
            actor=actor,
            payment_reference=payment.provider_reference or f"payment {payment.pk}",
        )
    except Conflict:
        # Not accepted any more (the order transition rolled back to its savepoint alone).
        order.refresh_from_db(fields=["status"])
        return False
    order.refresh_from_db(fields=["status"])
    return True


def refunds_pending_total(payment: Payment) -> Decimal:
    """Money of this payment's refunds still waiting for the provider's answer: held back
    from what may be refunded, so two refunds in flight never give back more than was taken."""
    total = payment.refunds.filter(status=RefundStatus.PENDING).aggregate(total=Sum("amount"))
    return total["total"] or Decimal("0.00")


def _emit_refund_due(payment: Payment, amount: Decimal, actor: Actor) -> None:
    event_emit(
        type="payment.refund_due",
        subject=payment,
        payload=payment_payload(
            payment,
            refund_due=str(amount),
            order_status=payment.order.status,
        ),
        actor=actor,
    )


def payment_reconcile_order(*, order_id: int, actor: Actor) -> None:
    """After an order changes status: a captured payment pays an order accepted again; money
    still held for a cancelled or rejected order, and not already being refunded, is due back
    (``payment.refund_due``). Refunding is the owner's decision (``payment_refund``)."""
    with transaction.atomic():
        payments = list(
            lock_own_rows(Payment.objects)
            .select_related("order")
            .filter(order_id=order_id, status__in=REFUNDABLE)
            .order_by("pk")
        )
        for payment in payments:
            if payment.order.status == ORDER_PAYABLE and payment.status == S.CAPTURED:
                _order_mark_paid(payment, actor)
            elif payment.order.status in ORDER_CLOSED:
                due = payment.amount - payment.amount_refunded - refunds_pending_total(payment)
                if due > 0:
                    _emit_refund_due(payment, due, actor)
