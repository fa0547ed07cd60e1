"""Every write on users and API tokens. Each records its event in the same transaction."""

import hashlib
import hmac
import ipaddress
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor, ActorKind
from soloops.accounts.errors import AccountsErrorCode as Code
from soloops.accounts.models import ApiToken, LoginFailure, Role, Scope, User
from soloops.errors import Conflict, InvalidInput, NotAuthenticated
from soloops.events.services import event_emit
from soloops.process_cache import Stamped

TOKEN_MARK = "sot"
# last_used_at is refreshed at most this often, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_create(*, username: str, email: str, password: str, role: str, actor: Actor) -> User:
    if role not in Role.values:
        raise InvalidInput(
            Code.INVALID_ROLE, f"role must be one of {', '.join(Role.values)}", field="role"
        )
    if not username.strip():
        raise InvalidInput(Code.INVALID_USERNAME, "username must not be empty", field="username")
    user = User(username=username.strip(), email=email, role=role)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise InvalidInput(Code.WEAK_PASSWORD, " ".join(e.messages), field="password") from None
    user.set_password(password)
    with transaction.atomic():
        if User.objects.filter(username=user.username).exists():
            raise Conflict(
                Code.USERNAME_TAKEN, f"user {user.username!r} already exists", field="username"
            )
        user.is_staff = role == Role.OWNER  # the owner may open the Django admin
        user.is_superuser = role == Role.OWNER
        user.save()
        event_emit(
            type="user.created",
            subject=user,
            payload={"username": user.username, "role": role},
            actor=actor,
        )
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole bearer value; shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scope: str,
    actor: Actor,
    expires_at: datetime | None = None,
) -> IssuedToken:
    if scope not in Scope.values:
        raise InvalidInput(
            Code.INVALID_SCOPE, f"scope must be one of {', '.join(Scope.values)}", field="scope"
        )
    if not name.strip():
        raise InvalidInput(Code.INVALID_NAME, "name must not be empty", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(Code.INVALID_EXPIRY, "expiry must be in the future", field="expires_at")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=prefix,
            secret_hash=_hash(secret),
            scope=scope,
            expires_at=expires_at,
        )
        event_emit(
            type="token.created",
            subject=token,
            payload={"name": token.name, "user": user.username, "scope": scope},
            actor=actor,
        )
    return IssuedToken(token=token, secret=f"{TOKEN_MARK}_{prefix}_{secret}")


def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        event_emit(
            type="token.revoked",
            subject=token,
            payload={"name": token.name, "user": token.user.username},
            actor=actor,
        )
    return token


@dataclass(frozen=True)
class _KnownToken:
    """What authenticating a token needs, kept per process (``TOKENS``)."""

    pk: int
    secret_hash: str
    revoked_at: datetime | None
    expires_at: datetime | None
    user_active: bool
    actor: Actor


@dataclass
class _Tokens:
    by_prefix: dict[str, _KnownToken] = field(default_factory=dict)
    # When this process last wrote a token's last_used_at (or read it), by token id.
    last_used: dict[int, datetime] = field(default_factory=dict)


# Tokens by prefix, filled as they are used; any save of a token or a user (a service, the
# admin) marks them changed (AccountsConfig.ready), so a revoked token or a deactivated user
# stops working in every process within a second (soloops.process_cache).
TOKENS: Stamped[_Tokens] = Stamped("api_tokens", _Tokens)


def _known_token(tokens: _Tokens, prefix: str) -> _KnownToken | None:
    known = tokens.by_prefix
    found = known.get(prefix)
    if found is None:
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None:
            return None  # not kept: a caller trying prefixes must not fill the memory
        found = known[prefix] = _KnownToken(
            pk=token.pk,
            secret_hash=token.secret_hash,
            revoked_at=token.revoked_at,
            expires_at=token.expires_at,
            user_active=token.user.is_active,
            actor=Actor(
                kind=ActorKind.TOKEN,
                id=str(token.pk),
                label=f"{token.user.username} · {token.name}",
                user_id=token.user_id,
                role=token.user.role,
                scopes=token.scopes,
            ),
        )
        if token.last_used_at is not None:
            tokens.last_used.setdefault(token.pk, token.last_used_at)
    return found


def token_authenticate(*, bearer: str) -> Actor:
    """The actor behind a bearer value, or NotAuthenticated. Refreshes last-used time (at most
    once a minute per process). No query while the process knows the token."""
    mark, _, rest = bearer.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or not prefix or not secret:
        raise NotAuthenticated(Code.INVALID_TOKEN, "invalid API token")
    tokens = TOKENS.get()
    token = _known_token(tokens, prefix)
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        raise NotAuthenticated(Code.INVALID_TOKEN, "invalid API token")
    now = timezone.now()
    if token.revoked_at is not None:
        raise NotAuthenticated(Code.TOKEN_REVOKED, "this API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise NotAuthenticated(Code.TOKEN_EXPIRED, "this API token has expired")
    if not token.user_active:
        raise NotAuthenticated(Code.INVALID_TOKEN, "invalid API token")
    last = tokens.last_used.get(token.pk)
    if last is None or now - last > LAST_USED_RESOLUTION:
        tokens.last_used[token.pk] = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.actor


def tokens_changed(**signal) -> None:
    """A token or a user was saved or deleted: every process reads tokens afresh."""
    if signal.get("update_fields") == frozenset({"last_login"}):
        return  # a login changes nothing a token depends on
    TOKENS.changed()


def user_set_language(*, user: User, language: str, actor: Actor) -> User:
    """The console's language for this person ("" follows the browser)."""
    from django.conf import settings

    codes = {code for code, _name in settings.LANGUAGES}
    if language and language not in codes:
        raise InvalidInput(
            Code.INVALID_LANGUAGE,
            f"language must be one of {', '.join(sorted(codes))}",
            field="language",
        )
    if user.language == language:
        return user
    with transaction.atomic():
        user.language = language
        user.save(update_fields=["language", "updated_at"])
        event_emit(
            type="user.language_changed",
            subject=user,
            payload={"username": user.username, "language": language},
            actor=actor,
        )
    return user


def _lock_owners() -> list[int]:
    """The active owners, locked in primary-key order before any other user row, so two
    owners demoting each other at once cannot both succeed nor deadlock."""
    return list(
        User.objects.select_for_update()
        .filter(role=Role.OWNER, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _keep_an_owner(*, user: User, owners: list[int], actor: Actor, field: str) -> None:
    """Refuse a change that takes ``user`` out of the active owners when they are the actor or
    the last one."""
    from django.utils.translation import gettext as _

    if actor.user_id == user.pk:
        raise InvalidInput(
            Code.CANNOT_CHANGE_SELF,
            _("You cannot demote or deactivate yourself; another owner can."),
            field=field,
        )
    if owners == [user.pk]:
        raise Conflict(
            Code.LAST_OWNER,
            _("%(username)s is the last owner; make someone else owner first.")
            % {"username": user.username},
            field=field,
        )


def user_set_role(*, user: User, role: str, actor: Actor) -> User:
    """Give ``user`` another role. Nobody demotes themself, and the last owner stays one."""
    if role not in Role.values:
        raise InvalidInput(
            Code.INVALID_ROLE, f"role must be one of {', '.join(Role.values)}", field="role"
        )
    with transaction.atomic():
        owners = _lock_owners()
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.role == role:
            return user
        previous = user.role
        if previous == Role.OWNER and user.is_active:
            _keep_an_owner(user=user, owners=owners, actor=actor, field="role")
        user.role = role
        user.is_staff = role == Role.OWNER  # as user_create: the owner may open the Django admin
        user.is_superuser = role == Role.OWNER
        user.save(update_fields=["role", "is_staff", "is_superuser", "updated_at"])
        event_emit(
            type="user.role_changed",
            subject=user,
            payload={"username": user.username, "from": previous, "to": role},
            actor=actor,
        )
    return user


def user_set_active(*, user: User, active: bool, actor: Actor) -> User:
    """Deactivate (cannot log in, their API tokens stop working) or reactivate ``user``.
    Nobody deactivates themself, and the last active owner stays active."""
    with transaction.atomic():
        owners = _lock_owners()
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return user
        if not active and (user.role == Role.OWNER or actor.user_id == user.pk):
            _keep_an_owner(user=user, owners=owners, actor=actor, field="active")
        user.is_active = active
        user.save(update_fields=["is_active", "updated_at"])
        event_emit(
            type="user.reactivated" if active else "user.deactivated",
            subject=user,
            payload={"username": user.username, "role": user.role},
            actor=actor,
        )
    return user


# --- log-in throttling -----------------------------------------------------------------------


def login_client(ip: str | None) -> str:
    """The address failures are counted against: an IPv6 host usually owns a whole /64, so the
    /64 counts as one client (else changing the last bits would reset the count)."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


def login_locked_for(*, username: str, client: str) -> int:
    """Seconds until ``username`` may try again from ``client`` (0: now). Locked while the
    failures within the lockout time reach the limit; every failure, even while locked, counts."""
    limit, window = settings.LOGIN_FAILURES_LIMIT, timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginFailure.objects.filter(
        username=username.strip().lower(), client=client, created_at__gte=timezone.now() - window
    ).order_by("-created_at")
    times = list(recent.values_list("created_at", flat=True)[:limit])
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + window - timezone.now()).total_seconds()))


def login_failure_record(*, username: str, client: str) -> int:
    """Count a failed log-in; returns the seconds of the lockout it started or prolongs (0:
    none). The failure that starts a lockout is an event (``user.login_locked``)."""
    name = username.strip().lower()[:150]
    with transaction.atomic():
        LoginFailure.objects.create(username=name, client=client)
        old = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        LoginFailure.objects.filter(username=name, client=client, created_at__lt=old).delete()
        count = LoginFailure.objects.filter(username=name, client=client).count()
        locked = login_locked_for(username=name, client=client)
        if count == settings.LOGIN_FAILURES_LIMIT:
            user = User.objects.filter(username__iexact=name).first()
            event_emit(
                type="user.login_locked",
                subject=user or ("accounts.user", ""),
                payload={"username": name, "client": client, "seconds": locked},
                actor=Actor.system("accounts"),
            )
    return locked


def login_failures_clear(*, username: str, client: str) -> None:
    """A successful log-in forgets that pair's failures."""
    LoginFailure.objects.filter(username=username.strip().lower(), client=client).delete()


# The second factor's writes live in their own module (this one would pass 300 lines).
from soloops.accounts.two_factor import (  # noqa: E402, F401
    two_factor_active,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
    two_factor_pending,
    two_factor_recovery_left,
    two_factor_verify,
)
