from enum import StrEnum


class InventoryErrorCode(StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_QUANTITY = "invalid_quantity"
    REASON_REQUIRED = "reason_required"
    NOT_FOUND = "not_found"
    BELOW_RESERVED = "below_reserved"
