"""Stripe, through the official ``stripe`` library: PaymentIntents and Refunds.

Starting a payment creates a PaymentIntent (automatic capture unless asked otherwise) whose
``client_secret`` the storefront hands to Stripe.js; the customer confirms there, and Stripe's
webhooks (``payment_intent.succeeded``, ``charge.refunded``, ...) report the outcome to
``POST /webhooks/stripe``. Card numbers never reach SoloOps.

Every request carries our idempotency key (Stripe keeps them 24 hours), and the library retries
network failures with that same key. The intent's metadata names the payment
(``soloops_payment``: its uid) so a webhook finds it even if we never recorded the intent id.
"""

from decimal import Decimal

import stripe

from .base import ChargeRequest, ChargeResult, ProviderUnavailable, RefundResult

# Currencies Stripe counts in whole units (no cents): https://docs.stripe.com/currencies
ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
}  # fmt: skip
# Errors after which Stripe may or may not have acted: retry with the same key. An
# IdempotencyError means another request with our key is still running at Stripe (a racing
# retry); its answer is not a decline, so it must not fail the payment.
UNKNOWN_OUTCOME = (
    stripe.APIConnectionError,
    stripe.RateLimitError,
    stripe.APIError,
    stripe.IdempotencyError,
)


def to_minor(amount: Decimal, currency: str) -> int:
    """``12.50 EUR`` → ``1250``; whole units for zero-decimal currencies."""
    scale = 1 if currency.lower() in ZERO_DECIMAL else 100
    minor = amount * scale
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than Stripe allows")
    return int(minor)


def from_minor(value: int, currency: str) -> Decimal:
    scale = 1 if currency.lower() in ZERO_DECIMAL else 100
    return (Decimal(value) / scale).quantize(Decimal("0.01"))


def intent_result(intent) -> ChargeResult:
    """Our view of a PaymentIntent (an API response or a webhook's ``data.object``)."""
    status = intent.get("status")
    reference = intent.get("id", "")
    if status == "succeeded":
        return ChargeResult(status="captured", reference=reference)
    if status == "requires_capture":
        return ChargeResult(status="authorized", reference=reference)
    if status == "canceled":
        why = intent.get("cancellation_reason") or "cancelled"
        return ChargeResult(status="failed", reference=reference, failure_reason=f"Stripe: {why}")
    error = intent.get("last_payment_error") or {}
    if status == "requires_payment_method" and error:
        return ChargeResult(
            status="failed",
            reference=reference,
            failure_reason=f"Stripe: {error.get('message') or error.get('code') or 'declined'}",
        )
    # requires_payment_method / requires_confirmation / requires_action / processing
    return ChargeResult(
        status="pending",
        reference=reference,
        next_action={"type": "stripe_js", "client_secret": intent.get("client_secret") or ""},
    )


def refund_result(refund) -> RefundResult:
    status = refund.get("status")
    reference = refund.get("id", "")
    if status == "succeeded":
        return RefundResult(status="succeeded", reference=reference)
    if status in ("failed", "canceled"):
        why = refund.get("failure_reason") or status
        return RefundResult(status="failed", reference=reference, failure_reason=f"Stripe: {why}")
    return RefundResult(status="pending", reference=reference)


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str,
        api_base: str = "",
        http_client=None,
        max_network_retries: int = 2,
    ) -> None:
        # A client of our own: no global ``stripe.api_key`` shared with anything else.
        # ``api_base`` (empty: Stripe's own) is e.g. stripe-mock or an egress proxy.
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            http_client=http_client,
            max_network_retries=max_network_retries,
        )

    def authorize(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        params = {
            "amount": to_minor(request.amount, request.currency),
            "currency": request.currency.lower(),
            "capture_method": "automatic" if request.capture else "manual",
            "automatic_payment_methods": {"enabled": True},
            "description": f"Order {request.order_number}",
            "metadata": request.metadata,
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except UNKNOWN_OUTCOME as e:
            raise ProviderUnavailable(f"Stripe: {e.user_message or e}") from e
        except stripe.StripeError as e:
            return ChargeResult(status="failed", failure_reason=f"Stripe: {e.user_message or e}")
        return intent_result(intent.to_dict())

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.capture(
                reference,
                params={"amount_to_capture": to_minor(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except UNKNOWN_OUTCOME as e:
            raise ProviderUnavailable(f"Stripe: {e.user_message or e}") from e
        except stripe.StripeError as e:
            # e.g. not capturable yet: the authorization stands, the capture did not happen.
            return ChargeResult(
                status="authorized",
                reference=reference,
                failure_reason=f"Stripe: {e.user_message or e}",
            )
        return intent_result(intent.to_dict())

    def void(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.cancel(
                reference,
                params={"cancellation_reason": "abandoned"},
                options={"idempotency_key": idempotency_key},
            )
        except UNKNOWN_OUTCOME as e:
            raise ProviderUnavailable(f"Stripe: {e.user_message or e}") from e
        except stripe.StripeError as e:
            # e.g. it succeeded meanwhile; the webhook will say so. Nothing was released.
            return ChargeResult(
                status="pending",
                reference=reference,
                failure_reason=f"Stripe: {e.user_message or e}",
            )
        return intent_result(intent.to_dict())

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
        params = {
            "payment_intent": reference,
            "amount": to_minor(amount, currency),
            "reason": "requested_by_customer",
            "metadata": {**metadata, "reason": reason[:500]},
        }
        try:
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except UNKNOWN_OUTCOME as e:
            raise ProviderUnavailable(f"Stripe: {e.user_message or e}") from e
        except stripe.StripeError as e:
            return RefundResult(status="failed", failure_reason=f"Stripe: {e.user_message or e}")
        return refund_result(refund.to_dict())
