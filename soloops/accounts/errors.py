from enum import StrEnum


class AccountsErrorCode(StrEnum):
    USERNAME_TAKEN = "username_taken"
    INVALID_USERNAME = "invalid_username"
    INVALID_NAME = "invalid_name"
    INVALID_ROLE = "invalid_role"
    INVALID_LANGUAGE = "invalid_language"
    INVALID_SCOPE = "invalid_scope"
    INVALID_EXPIRY = "invalid_expiry"
    WEAK_PASSWORD = "weak_password"
    INVALID_TOKEN = "invalid_token"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    NOT_AUTHENTICATED = "not_authenticated"
    READ_ONLY = "read_only"
    OWNER_ONLY = "owner_only"
    NOT_FOUND = "not_found"
    CSRF_FAILED = "csrf_failed"
    CANNOT_CHANGE_SELF = "cannot_change_self"
    LAST_OWNER = "last_owner"
