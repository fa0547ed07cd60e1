"""Bank transfer or cash on delivery: nothing to call. The money is expected when the payment
starts (authorized) and taken when the owner says it arrived; cancelling just stops expecting
it; a refund is money the owner sent back by hand, recorded as done."""

from decimal import Decimal

from .base import ChargeRequest, ChargeResult, RefundResult


class ManualProvider:
    name = "manual"

    def authorize(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        return ChargeResult(status="authorized")

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        return ChargeResult(status="captured", reference=reference)

    def void(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        return ChargeResult(status="failed", reference=reference)

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
        return RefundResult(status="succeeded")
