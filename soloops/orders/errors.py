from enum import StrEnum


class OrderErrorCode(StrEnum):
    ILLEGAL_TRANSITION = "illegal_transition"
    UNKNOWN_SKU = "unknown_sku"
    INACTIVE_SKU = "inactive_sku"
    QUANTITY_LIMIT = "quantity_limit"
    MISSING_ADDRESS = "missing_address"
    INVALID_COUNTRY = "invalid_country"
    CURRENCY_MISMATCH = "currency_mismatch"
    NOT_FOUND = "not_found"
    EMPTY_ORDER = "empty_order"
    REASON_REQUIRED = "reason_required"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_RATE = "invalid_rate"
    DUPLICATE_COUNTRY = "duplicate_country"
    INVALID_POLICY = "invalid_policy"
    INVALID_METHOD = "invalid_method"  # no delivery method of that name ships there
    INVALID_STATUS = "invalid_status"  # an imported past order's status
    DUPLICATE_NUMBER = "duplicate_number"  # an imported past order's number is taken
