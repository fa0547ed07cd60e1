"""A simulated card processor, for tests, the demo and trying flows without real money.

It behaves by test card number (like Stripe's test cards) and keeps its own ledger in the
``SandboxEntry`` table: one row per call that moved (or refused to move) money, unique by the
caller's idempotency key. The same key returns the first answer, so a retried charge never
charges twice, and the ledger shows what was really charged.

Test cards (spaces and dashes are ignored):

- ``4242 4242 4242 4242``: succeeds; captured at once
- ``4000 0000 0000 0002``: declined (card_declined)
- ``4000 0000 0000 9995``: declined (insufficient_funds)
- ``4000 0000 0000 3220``: delayed confirmation: authorized, and stays so until the processor
  confirms it (``confirm``, ``POST /api/payments/{id}/sandbox-confirm``), which captures it;
  a capture before that is refused (awaiting_confirmation)

An authorized charge can be voided (released) instead of captured; then it can never be taken.

Any other number is refused before anything is recorded.
"""

import re
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from soloops.payments.models import SandboxEntry

from .base import ChargeRequest, ChargeResult, RefundResult

Op = SandboxEntry.Operation

SUCCESS = "success"
DELAYED = "delayed"
TEST_CARDS: dict[str, tuple[str, str]] = {
    "4242424242424242": (SUCCESS, ""),
    "4000000000000002": ("declined", "card_declined"),
    "4000000000009995": ("declined", "insufficient_funds"),
    "4000000000003220": (DELAYED, ""),
}
DECLINE_MESSAGES = {
    "card_declined": "the card was declined",
    "insufficient_funds": "the card has insufficient funds",
}
# Outcomes of a charge row (and of the capture, confirm and void rows that change it).
AUTHORIZED, REQUIRES_CONFIRMATION, CAPTURED, DECLINED, VOIDED = (
    "authorized",
    "requires_confirmation",
    "captured",
    "declined",
    "voided",
)


def card_digits(card_number: str | None) -> str:
    return re.sub(r"[\s-]", "", card_number or "")


def is_test_card(card_number: str | None) -> bool:
    return card_digits(card_number) in TEST_CARDS


def _reference(prefix: str) -> str:
    return f"sbx_{prefix}_{secrets.token_hex(8)}"


def _replay(key: str, operation: str, amount: Decimal, currency: str) -> SandboxEntry | None:
    entry = SandboxEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and (
        entry.operation != operation or entry.amount != amount or entry.currency != currency
    ):
        # What Stripe answers too: a key belongs to one request. Our keys are derived from
        # (payment, action), so this is a bug in the caller, not a customer's error.
        raise ValueError(f"sandbox idempotency key {key!r} reused with different parameters")
    return entry


def _insert(**fields) -> SandboxEntry:
    """Record an entry; a concurrent call with the same key gets the entry that won."""
    try:
        with transaction.atomic():
            return SandboxEntry.objects.create(**fields)
    except IntegrityError:
        return SandboxEntry.objects.get(idempotency_key=fields["idempotency_key"])


def _charge_result(entry: SandboxEntry) -> ChargeResult:
    status = {
        AUTHORIZED: "authorized",
        REQUIRES_CONFIRMATION: "authorized",
        CAPTURED: "captured",
    }.get(entry.outcome, "failed")
    reason = ""
    if status == "failed":
        reason = DECLINE_MESSAGES.get(entry.failure_code, entry.failure_code)
    return ChargeResult(status=status, reference=entry.charge_reference, failure_reason=reason)


def _charge_state(charge: SandboxEntry) -> str:
    """Where a charge stands: its own outcome, unless a later capture, confirm or void row
    changed it (at most one of those can exist: each is refused once another happened)."""
    if charge.outcome in (CAPTURED, DECLINED):
        return charge.outcome
    later = (
        SandboxEntry.objects.filter(
            charge_reference=charge.reference,
            operation__in=[Op.CAPTURE, Op.CONFIRM, Op.VOID],
        )
        .values_list("outcome", flat=True)
        .first()
    )
    return later or charge.outcome


class SandboxProvider:
    name = "sandbox"

    def authorize(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        if entry := _replay(idempotency_key, Op.CHARGE, request.amount, request.currency):
            return _charge_result(entry)
        digits = card_digits(request.card_number)
        behaviour, code = TEST_CARDS.get(digits, ("declined", "incorrect_number"))
        outcome = {
            SUCCESS: CAPTURED if request.capture else AUTHORIZED,
            DELAYED: REQUIRES_CONFIRMATION,
        }.get(behaviour, DECLINED)
        reference = _reference("ch")
        entry = _insert(
            idempotency_key=idempotency_key,
            operation=Op.CHARGE,
            reference=reference,
            charge_reference=reference,
            amount=request.amount,
            currency=request.currency,
            card_last4=digits[-4:],
            outcome=outcome,
            failure_code=code,
        )
        return _charge_result(entry)

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        if entry := _replay(idempotency_key, Op.CAPTURE, amount, currency):
            return ChargeResult(status="captured", reference=entry.charge_reference)
        with transaction.atomic():
            charge = (
                SandboxEntry.objects.select_for_update()
                .filter(reference=reference, operation=Op.CHARGE)
                .first()
            )
            if charge is None:
                return ChargeResult(status="failed", failure_reason=f"no charge {reference}")
            state = _charge_state(charge)
            if state == CAPTURED:
                return ChargeResult(status="captured", reference=reference)
            if state in (DECLINED, VOIDED):
                return ChargeResult(status="failed", failure_reason=f"the charge was {state}")
            if state == REQUIRES_CONFIRMATION:
                # Refused without a ledger row: the same key may capture after confirmation.
                return ChargeResult(
                    status="authorized",
                    reference=reference,
                    failure_reason="awaiting confirmation by the card processor",
                )
            if amount != charge.amount or currency != charge.currency:
                return ChargeResult(
                    status="authorized",
                    reference=reference,
                    failure_reason=f"capture must be the authorized {charge.amount}",
                )
            _insert(
                idempotency_key=idempotency_key,
                operation=Op.CAPTURE,
                reference=_reference("cp"),
                charge_reference=reference,
                amount=amount,
                currency=currency,
                outcome=CAPTURED,
            )
        return ChargeResult(status="captured", reference=reference)

    def confirm(self, *, reference: str) -> ChargeResult:
        """The processor confirms a delayed charge (the cardholder passed the check): captured.
        Once per charge; confirming again answers the same."""
        with transaction.atomic():
            charge = (
                SandboxEntry.objects.select_for_update()
                .filter(reference=reference, operation=Op.CHARGE)
                .first()
            )
            if charge is None:
                return ChargeResult(status="failed", failure_reason=f"no charge {reference}")
            state = _charge_state(charge)
            if state == REQUIRES_CONFIRMATION:
                _insert(
                    idempotency_key=f"confirm:{reference}",
                    operation=Op.CONFIRM,
                    reference=_reference("cf"),
                    charge_reference=reference,
                    amount=charge.amount,
                    currency=charge.currency,
                    outcome=CAPTURED,
                )
                state = CAPTURED
        if state == CAPTURED:
            return ChargeResult(status="captured", reference=reference)
        if state in (DECLINED, VOIDED):
            return ChargeResult(status="failed", failure_reason=f"the charge was {state}")
        return ChargeResult(status="authorized", reference=reference)  # nothing to confirm

    def void(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        """Release an authorized (or still unconfirmed) charge; a captured one stays taken."""
        with transaction.atomic():
            charge = (
                SandboxEntry.objects.select_for_update()
                .filter(reference=reference, operation=Op.CHARGE)
                .first()
            )
            if charge is None:
                return ChargeResult(status="failed", failure_reason=f"no charge {reference}")
            state = _charge_state(charge)
            if state == CAPTURED:
                return ChargeResult(status="captured", reference=reference)
            if state in (AUTHORIZED, REQUIRES_CONFIRMATION):
                _insert(
                    idempotency_key=idempotency_key,
                    operation=Op.VOID,
                    reference=_reference("vd"),
                    charge_reference=reference,
                    amount=charge.amount,
                    currency=charge.currency,
                    outcome=VOIDED,
                )
        return ChargeResult(status="failed", reference=reference, failure_reason="voided")

    def refund(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        reason: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> RefundResult:
        if entry := _replay(idempotency_key, Op.REFUND, amount, currency):
            return RefundResult(status="succeeded", reference=entry.reference)
        with transaction.atomic():
            charge = (
                SandboxEntry.objects.select_for_update()
                .filter(reference=reference, operation=Op.CHARGE)
                .first()
            )
            if charge is None or _charge_state(charge) != CAPTURED:
                return RefundResult(status="failed", failure_reason="the charge is not captured")
            refunded = SandboxEntry.objects.filter(
                charge_reference=reference, operation=Op.REFUND
            ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
            if amount > charge.amount - refunded:
                return RefundResult(
                    status="failed",
                    failure_reason=f"only {charge.amount - refunded} of the charge is left",
                )
            entry = _insert(
                idempotency_key=idempotency_key,
                operation=Op.REFUND,
                reference=_reference("re"),
                charge_reference=reference,
                amount=amount,
                currency=currency,
                outcome="succeeded",
            )
        return RefundResult(status="succeeded", reference=entry.reference)
