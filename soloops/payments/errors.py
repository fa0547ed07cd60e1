from enum import StrEnum

from soloops.errors import ApplicationError


class PaymentErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    UNKNOWN_PROVIDER = "unknown_provider"
    PROVIDER_DISABLED = "provider_disabled"
    PROVIDER_NOT_CONFIGURED = "provider_not_configured"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    INVALID_CARD = "invalid_card"
    CARD_NOT_ALLOWED = "card_not_allowed"
    ORDER_NOT_PAYABLE = "order_not_payable"
    ALREADY_PAID = "already_paid"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    NOTHING_TO_PAY = "nothing_to_pay"
    NOT_CAPTURABLE = "not_capturable"
    CAPTURE_FAILED = "capture_failed"
    NOT_MANUAL = "not_manual"
    NOT_SANDBOX = "not_sandbox"
    NOT_CANCELLABLE = "not_cancellable"
    CANCEL_REFUSED = "cancel_refused"
    NOT_REFUNDABLE = "not_refundable"
    REFUND_EXCEEDS_BALANCE = "refund_exceeds_balance"
    INVALID_AMOUNT = "invalid_amount"
    REASON_REQUIRED = "reason_required"
    REFUND_NOT_PENDING = "refund_not_pending"


class ProviderUnavailableError(ApplicationError):
    """The provider could not be reached or answered with a server error: the outcome is
    unknown. Repeating the same request is safe (its idempotency key is the same)."""

    status = 502
