"""Event types the accounts app emits (subject: the ``accounts.user`` or ``accounts.apitoken``)."""

from pydantic import Field

from soloops.events.catalogue import EventType, Payload, declare


class UserPayload(Payload):
    username: str
    role: str


class TokenPayload(Payload):
    name: str
    user: str


class TokenCreated(TokenPayload):
    scope: str


class LanguageChanged(Payload):
    username: str
    language: str


class RoleChanged(Payload):
    username: str
    from_: str = Field(alias="from")
    to: str


class LoginLocked(Payload):
    username: str  # as typed: it may name no user
    client: str  # the address, an IPv6 /64 as one
    seconds: int  # how long the pair is locked out


class TwoFactorChanged(Payload):
    username: str


EVENTS = declare(
    EventType("user.created", UserPayload, "a user account was added", "accounts.user"),
    EventType("user.role_changed", RoleChanged, "a user's role changed", "accounts.user"),
    EventType("user.deactivated", UserPayload, "a user may no longer log in", "accounts.user"),
    EventType("user.reactivated", UserPayload, "a user may log in again", "accounts.user"),
    EventType("user.language_changed", LanguageChanged, "a user chose a language", "accounts.user"),
    EventType("token.created", TokenCreated, "an API token was issued", "accounts.apitoken"),
    EventType("token.revoked", TokenPayload, "an API token was revoked", "accounts.apitoken"),
    EventType(
        "user.login_locked",
        LoginLocked,
        "too many failed log-ins of a username from one address: locked out for a while",
        "accounts.user",
    ),
    EventType(
        "user.two_factor_enabled",
        TwoFactorChanged,
        "a user confirmed a two-factor app",
        "accounts.user",
    ),
    EventType(
        "user.two_factor_disabled",
        TwoFactorChanged,
        "a user turned two-factor off",
        "accounts.user",
    ),
    EventType(
        "user.recovery_code_used",
        TwoFactorChanged,
        "a user logged in with a recovery code (one fewer left)",
        "accounts.user",
    ),
)
