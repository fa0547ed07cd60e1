"""Giving money back: refunds (full or partial, always with a reason), retrying one whose
outcome is unknown, and cancelling a paid order together with its refund.

Refunds never exceed what was captured minus what was refunded, counting refunds still
waiting for the provider: the check and the intent row are written under the payment's row
lock, then the provider is called outside the transaction with a key derived from the refund.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from soloops.accounts.actors import Actor
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.idempotency import hash_request, replay
from soloops.locking import lock_own_rows
from soloops.orders.services import order_cancel
from soloops.payments import providers
from soloops.payments.errors import PaymentErrorCode as Code
from soloops.payments.models import (
    REFUNDABLE,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from soloops.payments.providers import ProviderUnavailable, RefundResult

from .payments import payment_cancel, payment_payload, refunds_pending_total
from .provider_calls import provider_key, require_no_transaction, unavailable

CENT = Decimal("0.01")


def _clean_amount(amount) -> Decimal:
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise InvalidInput(Code.INVALID_AMOUNT, "amount must be a number", field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput(
            Code.INVALID_AMOUNT,
            "amount must be more than 0 with at most two decimals",
            field="amount",
        )
    return amount.quantize(CENT)


def _clean_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise InvalidInput(Code.REASON_REQUIRED, "say why the money goes back", field="reason")
    return reason.strip()


def _request_hash(payment: Payment, amount: Decimal, reason: str) -> str:
    return hash_request({"payment": payment.pk, "amount": str(amount), "reason": reason})


def _replay(key: str, request_hash: str) -> Refund | None:
    return replay(
        Refund.objects.select_related("payment__order"), key=key, request_hash=request_hash
    )


def _check_refundable(payment: Payment, amount: Decimal) -> None:
    """Precondition: the caller holds the payment's row lock."""
    if payment.status not in REFUNDABLE:
        raise Conflict(
            Code.NOT_REFUNDABLE,
            f"payment {payment.pk} is {payment.status}; only captured money can be refunded",
            extra={"status": payment.status},
        )
    pending = refunds_pending_total(payment)
    left = payment.amount - payment.amount_refunded - pending
    if amount > left:
        raise InvalidInput(
            Code.REFUND_EXCEEDS_BALANCE,
            f"amount {amount} is more than the {left} {payment.currency} left to refund on "
            f"payment {payment.pk} (captured {payment.amount}, refunded "
            f"{payment.amount_refunded}, pending {pending})",
            field="amount",
            extra={
                "refundable": str(left),
                "captured": str(payment.amount),
                "refunded": str(payment.amount_refunded),
                "pending": str(pending),
            },
        )


def payment_refund(
    *,
    payment: Payment,
    amount,
    reason: str,
    actor: Actor,
    idempotency_key: str | None = None,
) -> tuple[Refund, bool]:
    """Give back ``amount`` of a captured payment. Returns (refund, created); created is False
    for a replay of the same Idempotency-Key, which answers the same refund (and, if that one
    is still pending, asks the provider again with the same key).

    A refund larger than what is left is refused naming ``amount``, and nothing is written.
    The payment becomes ``partially_refunded`` or, once everything is back, ``refunded``.
    """
    amount = _clean_amount(amount)
    reason = _clean_reason(reason)
    request_hash = _request_hash(payment, amount, reason) if idempotency_key else ""
    if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
        return _call(existing, actor), False
    try:
        refund = _refund_open(payment, amount, reason, idempotency_key, request_hash)
    except IntegrityError:
        if idempotency_key and (existing := _replay(idempotency_key, request_hash)):
            return existing, False
        raise
    return _call(refund, actor), True


def _refund_open(payment, amount, reason, idempotency_key, request_hash) -> Refund:
    """Record the intent to refund, checked under the payment's row lock."""
    with transaction.atomic(durable=True):
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _check_refundable(locked, amount)
        return Refund.objects.create(
            payment=locked,
            amount=amount,
            reason=reason,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )


def refund_retry(*, refund: Refund, actor: Actor) -> Refund:
    """Ask the provider again about a refund whose answer never came (same key: at most one
    refund happens)."""
    if refund.status != RefundStatus.PENDING:
        raise Conflict(
            Code.REFUND_NOT_PENDING,
            f"refund {refund.pk} is {refund.status}; only a pending refund is retried",
            extra={"status": refund.status},
        )
    return _call(refund, actor)


def _call(refund: Refund, actor: Actor) -> Refund:
    if refund.status != RefundStatus.PENDING:
        return refund
    require_no_transaction("payment_refund")
    refund = Refund.objects.select_related("payment__order").get(pk=refund.pk)
    payment = refund.payment
    try:
        result = providers.provider_for(payment.provider).refund(
            reference=payment.provider_reference,
            amount=refund.amount,
            currency=payment.currency,
            reason=refund.reason,
            metadata={
                "soloops_refund": str(refund.uid),
                "soloops_payment": str(payment.uid),
                "order_number": payment.order.number,
            },
            idempotency_key=provider_key(refund.uid, "refund"),
        )
    except ProviderUnavailable as e:
        raise unavailable(
            e,
            retry=f"The refund stays pending and holds its amount; retry it "
            f"(POST /api/refunds/{refund.pk}/retry).",
            extra={"refund": refund.pk, "payment": payment.pk},
        ) from e
    return refund_record_result(refund=refund, result=result, actor=actor)


def refund_record_result(*, refund: Refund, result: RefundResult, actor: Actor) -> Refund:
    """Record the provider's answer about a refund, once: a refund counts towards the payment's
    refunded amount only on its way to ``succeeded``."""
    with transaction.atomic():
        payment = lock_own_rows(Payment.objects).select_related("order").get(pk=refund.payment_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.payment = payment
        fields = []
        if result.reference and not refund.provider_reference:
            refund.provider_reference = result.reference
            fields.append("provider_reference")
        if result.status == "succeeded" and refund.status != RefundStatus.SUCCEEDED:
            refund.status = RefundStatus.SUCCEEDED
            refund.failure_reason = ""
            fields += ["status", "failure_reason"]
            refund.save(update_fields=[*fields, "updated_at"])
            payment.amount_refunded += refund.amount
            payment.status = (
                PaymentStatus.REFUNDED
                if payment.amount_refunded >= payment.amount
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            payment.save(update_fields=["amount_refunded", "status", "updated_at"])
            event_emit(
                type="payment.refunded",
                subject=payment,
                payload=payment_payload(
                    payment,
                    amount=str(refund.amount),
                    refund=refund.pk,
                    reason=refund.reason,
                    payment_amount=str(payment.amount),
                    amount_refunded=str(payment.amount_refunded),
                    status=payment.status,
                ),
                actor=actor,
            )
        elif result.status == "failed" and refund.status == RefundStatus.PENDING:
            refund.status = RefundStatus.FAILED
            refund.failure_reason = result.failure_reason[:500]
            fields += ["status", "failure_reason"]
            refund.save(update_fields=[*fields, "updated_at"])
            event_emit(
                type="payment.refund_failed",
                subject=payment,
                payload=payment_payload(
                    payment,
                    amount=str(refund.amount),
                    refund=refund.pk,
                    reason=refund.failure_reason,
                ),
                actor=actor,
            )
        elif fields:
            refund.save(update_fields=[*fields, "updated_at"])
    return refund


def order_cancel_and_refund(*, order, actor: Actor, reason: str) -> tuple[object, list[Refund]]:
    """Cancel an order and give back its money, in one owner action: everything captured is
    refunded, and a payment not captured yet is cancelled (its authorization released).

    The cancellation and the refund intents commit together (so nothing is refunded for an
    order that could not be cancelled); then the provider is asked. If that fails, the order
    stays cancelled and the refund ``failed`` or ``pending`` (to retry) and the error says so.
    """
    reason = _clean_reason(reason)
    with transaction.atomic(durable=True):
        refunds = []
        payments = Payment.objects.select_for_update().filter(order_id=order.pk)
        open_payments = []
        for payment in payments.order_by("pk"):
            if payment.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED):
                open_payments.append(payment)
            elif payment.status in REFUNDABLE:
                left = payment.amount - payment.amount_refunded - refunds_pending_total(payment)
                if left > 0:
                    refunds.append(
                        Refund.objects.create(payment=payment, amount=left, reason=reason)
                    )
        order = order_cancel(order=order, actor=actor, reason=reason)
    for payment in open_payments:
        try:
            payment_cancel(payment=payment, actor=actor, reason=reason)
        except Conflict as e:
            if e.code not in (Code.CANCEL_REFUSED, Code.NOT_CANCELLABLE):
                raise
            # Captured meanwhile: the money is in, so it goes back like the rest.
            payment.refresh_from_db()
            if payment.refundable > 0:
                refunds.append(_refund_open(payment, payment.refundable, reason, None, ""))
    return order, [_call(refund, actor) for refund in refunds]
