"""Reads of users and tokens that several callers share, permission-checked."""

from django.db.models import QuerySet

from soloops.accounts.actors import Actor
from soloops.accounts.errors import AccountsErrorCode as Code
from soloops.accounts.models import ApiToken, Role, Scope, User
from soloops.errors import NotFound


def tokens_visible_to(*, actor: Actor) -> QuerySet[ApiToken]:
    """The owner sees every token; anyone else sees their own."""
    tokens = ApiToken.objects.select_related("user")
    # By role, not by is_owner: an owner's read-scoped token reads all that the owner may read.
    return tokens if actor.role == Role.OWNER else tokens.filter(user_id=actor.user_id)


def token_get_for(*, actor: Actor, token_id: int) -> ApiToken:
    """A token the actor may manage: their own, or any if they are the owner."""
    token = tokens_visible_to(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound(Code.NOT_FOUND, "no such API token")
    return token


def owners_emails() -> list[str]:
    """Where notices for the owner go: every active owner with an email address."""
    return list(
        User.objects.filter(role=Role.OWNER, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def users_list() -> QuerySet[User]:
    """Everyone who may log in to the console (and those deactivated), by username."""
    return User.objects.order_by("username", "pk")


def user_get(*, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(Code.NOT_FOUND, "no such user")
    return user


def role_choices() -> list[tuple[str, str]]:
    """(value, label) of every role, for forms."""
    return list(Role.choices)


def scope_choices() -> list[tuple[str, str]]:
    return list(Scope.choices)
