from enum import StrEnum


class ShopErrorCode(StrEnum):
    UNKNOWN_FIELD = "unknown_field"
    INVALID_NAME = "invalid_name"
    INVALID_EMAIL = "invalid_email"
    INVALID_CURRENCY = "invalid_currency"
    CURRENCY_IN_USE = "currency_in_use"
    INVALID_TIME_ZONE = "invalid_time_zone"
    INVALID_LANGUAGE = "invalid_language"
    INVALID_TAX_SETTING = "invalid_tax_setting"
    INVALID_INSTRUCTIONS = "invalid_instructions"
