from enum import StrEnum


class CatalogErrorCode(StrEnum):
    DUPLICATE_SKU = "duplicate_sku"
    DUPLICATE_SLUG = "duplicate_slug"
    DUPLICATE_NAME = "duplicate_name"
    INVALID_CURRENCY = "invalid_currency"
    NOT_FOUND = "not_found"
    INVALID_VALUE = "invalid_value"
