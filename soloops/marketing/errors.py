from enum import StrEnum


class MarketingErrorCode(StrEnum):
    UNKNOWN_SEGMENT = "unknown_segment"
    INVALID_SEND_AT = "invalid_send_at"
    NOT_SCHEDULABLE = "campaign_not_schedulable"
    INVALID_TOKEN = "invalid_token"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_LANGUAGE = "invalid_language"
    NOT_FOUND = "not_found"
    INVALID_REPORT = "invalid_report"
    INVALID_SIGNATURE = "invalid_signature"
    NOT_EDITABLE = "campaign_not_editable"
    INVALID_SUBJECT_TEST = "invalid_subject_test"
