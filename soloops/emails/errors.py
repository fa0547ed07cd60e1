from enum import StrEnum


class EmailErrorCode(StrEnum):
    UNKNOWN_TEMPLATE = "unknown_template"
    UNKNOWN_LANGUAGE = "unknown_language"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_CONTEXT = "invalid_context"
    INVALID_KEY = "invalid_idempotency_key"
    INVALID_ATTACHMENT = "invalid_attachment"
    TEMPLATE_SYNTAX = "template_syntax"
    TEMPLATE_RENDER = "template_render"
    MISSING_UNSUBSCRIBE = "missing_unsubscribe_url"
    NOT_RESENDABLE = "not_resendable"
    NOT_FOUND = "not_found"
