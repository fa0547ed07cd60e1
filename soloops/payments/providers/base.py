"""The one interface every payment provider implements.

Each call carries an idempotency key the payments services derive from (payment or refund,
action): a provider must answer a repeated key with the first answer and never move money
twice. Calls happen outside any database transaction; the services record the intent before
and the result after.

An outcome is returned, never raised: a declined card is a ``ChargeResult`` with status
``failed``. Only an unknown outcome (network down, provider error) raises
``ProviderUnavailable``; repeating the call with the same key is then safe.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed; whether it acted is unknown."""


@dataclass(frozen=True)
class ChargeRequest:
    amount: Decimal
    currency: str
    order_number: str
    # Put on the provider's object so its webhooks lead back to the payment.
    metadata: dict[str, str]
    # Sandbox only: one of its test numbers. Passed through, never stored.
    card_number: str | None = None
    # Take the money at once where the provider allows (else authorize only).
    capture: bool = True


@dataclass(frozen=True)
class ChargeResult:
    # pending: the customer or provider must still act (see next_action)
    status: Literal["pending", "authorized", "captured", "failed"]
    reference: str = ""
    failure_reason: str = ""
    next_action: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    status: Literal["pending", "succeeded", "failed"]
    reference: str = ""
    failure_reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def authorize(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Authorize the amount, and capture it too if ``request.capture`` and possible."""
        ...

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Take the money of an authorized charge; ``failed`` leaves it authorized."""
        ...

    def void(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        """Release a charge that is not captured: ``failed`` once released, ``captured`` if
        it was taken meanwhile (too late: refund it), ``pending`` with a reason if refused."""
        ...

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
        """Give ``amount`` of a captured charge back."""
        ...
