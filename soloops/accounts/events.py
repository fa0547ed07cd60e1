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


EVENTS = declare(
    EventType("user.created", UserPayload, "a user account was added", "accounts.user"),
    EventType("user.role_changed", RoleChanged, "a user's role changed", "accounts.user"),
    EventType("user.deactivated", UserPayload, "a user may no longer log in", "accounts.user"),
    EventType("user.reactivated", UserPayload, "a user may log in again", "accounts.user"),
    EventType("user.language_changed", LanguageChanged, "a user chose a language", "accounts.user"),
    EventType("token.created", TokenCreated, "an API token was issued", "accounts.apitoken"),
    EventType("token.revoked", TokenPayload, "an API token was revoked", "accounts.apitoken"),
)
