from enum import StrEnum


class PurchasingErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    ILLEGAL_TRANSITION = "illegal_transition"
    OVER_RECEIPT = "over_receipt"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_POLICY = "invalid_policy"
    UNKNOWN_LINE = "unknown_line"
    UNKNOWN_SKU = "unknown_sku"
    NOT_SOLD_BY_SUPPLIER = "not_sold_by_supplier"
    EMPTY_ORDER = "empty_order"
