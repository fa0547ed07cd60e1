from enum import StrEnum

from soloops.errors import ApplicationError


class FulfillmentErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    ORDER_NOT_SHIPPABLE = "order_not_shippable"
    ILLEGAL_TRANSITION = "illegal_transition"
    UNKNOWN_CARRIER = "unknown_carrier"
    UNKNOWN_SERVICE = "unknown_service"
    INVALID_TRACKING = "invalid_tracking"
    INVALID_LINE = "invalid_line"
    INVALID_QUANTITY = "invalid_quantity"
    NOTHING_TO_SHIP = "nothing_to_ship"
    OVER_SHIPPING = "over_shipping"
    NO_LABEL = "no_label"
    CARRIER_FAILED = "carrier_failed"


class CarrierError(ApplicationError):
    """The carrier did not answer or refused; nothing was stored and the call may be retried
    (with the same idempotency key, so a retry never buys a second label)."""

    status = 502
