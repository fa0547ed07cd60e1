"""Who did something: a person, an API token, a flow run, or the system itself.

Every service takes an explicit ``actor`` and every event records it, so the timeline can say
who or what made each change.
"""

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    USER = "user"
    TOKEN = "token"
    FLOW_RUN = "flow_run"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: str = ""
    label: str = ""
    # The user behind a token (or the user themself); used for role checks.
    user_id: int | None = None
    role: str = ""
    scopes: frozenset[str] = frozenset()

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(
            kind=ActorKind.SYSTEM, label=label, role="owner", scopes=frozenset({"read", "write"})
        )

    @classmethod
    def for_user(cls, user) -> "Actor":
        return cls(
            kind=ActorKind.USER,
            id=str(user.pk),
            label=user.get_username(),
            user_id=user.pk,
            role=user.role,
            scopes=frozenset({"read", "write"}),
        )

    @property
    def can_write(self) -> bool:
        return "write" in self.scopes and self.role in {"owner", "staff"}

    @property
    def is_owner(self) -> bool:
        return self.role == "owner" and "write" in self.scopes


def require_owner(actor: Actor) -> None:
    """Only the owner (with a write-scoped credential) may configure the shop."""
    from soloops.accounts.errors import AccountsErrorCode
    from soloops.errors import PermissionDenied

    if not actor.is_owner:
        raise PermissionDenied(AccountsErrorCode.OWNER_ONLY, "only the shop owner may do this")
