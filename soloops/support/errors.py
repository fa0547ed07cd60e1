from enum import StrEnum


class SupportErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID_EMAIL = "invalid_email"
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    CLOSED = "conversation_closed"
    UNKNOWN_ORDER = "unknown_order"
    NOT_A_MAIL = "not_a_mail"
    INVALID_SIGNATURE = "invalid_signature"
    UNKNOWN_INTENT = "unknown_intent"
    NOT_INBOUND = "not_inbound"
    INVALID_RATING = "invalid_rating"
    UNKNOWN_REPLY = "unknown_reply"
    INVALID_REPLY = "invalid_reply"
    INVALID_THRESHOLD = "invalid_threshold"
