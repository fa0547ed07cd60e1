"""``soloops user create`` and ``soloops token create|list|revoke``."""

import os
import secrets
from datetime import timedelta

from .console import add_command, fail


def cmd_user_create(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.accounts.services import user_create

    password = args.password or os.environ.get("SOLOOPS_NEW_PASSWORD") or secrets.token_urlsafe(12)
    user = user_create(
        username=args.username,
        email=args.email,
        password=password,
        role=args.role,
        actor=Actor.system("soloops user create"),
    )
    print(f"created {user.role} {user.username}")
    if not (args.password or os.environ.get("SOLOOPS_NEW_PASSWORD")):
        print(f"password (shown once): {password}")
    return 0


def cmd_token_create(args) -> int:
    from django.utils import timezone

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import User
    from soloops.accounts.services import token_create

    user = User.objects.filter(username=args.user).first()
    if user is None:
        return fail(f"no user named {args.user!r}")
    expires_at = timezone.now() + timedelta(days=args.expires_days) if args.expires_days else None
    issued = token_create(
        user=user,
        name=args.name,
        scope=args.scope,
        expires_at=expires_at,
        actor=Actor.system("soloops token create"),
    )
    print(f"token {issued.token.pk} for {user.username} ({args.scope}) — shown once:")
    print(issued.secret)
    return 0


def cmd_token_list(args) -> int:
    from soloops.accounts.models import ApiToken

    tokens = ApiToken.objects.select_related("user").order_by("id")
    if args.user:
        tokens = tokens.filter(user__username=args.user)
    print(
        f"{'id':>4}  {'user':<16} {'name':<20} {'scope':<6} {'prefix':<14} {'last used':<20} state"
    )
    for t in tokens:
        state = "revoked" if t.revoked_at else ("active" if t.is_active() else "expired")
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        row = f"{t.pk:>4}  {t.user.username:<16} {t.name:<20} {t.scope:<6} {t.prefix:<14}"
        print(f"{row} {used:<20} {state}")
    return 0


def cmd_token_revoke(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.accounts.models import ApiToken
    from soloops.accounts.services import token_revoke

    token = ApiToken.objects.filter(pk=args.id).first()
    if token is None:
        return fail(f"no API token with id {args.id}")
    token_revoke(token=token, actor=Actor.system("soloops token revoke"))
    print(f"revoked token {token.pk} ({token.name})")
    return 0


def register(sub) -> None:
    user = add_command(sub, "user", None, "Manage users.")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    uc = user_sub.add_parser("create", help="Create a user.", description="Create a user.")
    uc.set_defaults(func=cmd_user_create)
    uc.add_argument("username")
    uc.add_argument("--email", default="", help="email address")
    uc.add_argument("--role", choices=["owner", "staff", "viewer"], default="staff")
    uc.add_argument(
        "--password",
        help="password (default: SOLOOPS_NEW_PASSWORD, else a generated one shown once)",
    )

    token = add_command(sub, "token", None, "Manage API tokens.")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    tc = token_sub.add_parser(
        "create",
        help="Create a token (shown once).",
        description="Create an API token; its secret is shown once.",
    )
    tc.set_defaults(func=cmd_token_create)
    tc.add_argument("--user", required=True, help="the user the token acts as")
    tc.add_argument("--name", required=True, help="what the token is for")
    tc.add_argument("--scope", choices=["read", "write"], default="read")
    tc.add_argument("--expires-days", type=int, default=None, help="expire after N days")
    tl = token_sub.add_parser("list", help="List tokens.", description="List API tokens.")
    tl.set_defaults(func=cmd_token_list)
    tl.add_argument("--user", help="only this user's tokens")
    tr = token_sub.add_parser("revoke", help="Revoke a token.", description="Revoke an API token.")
    tr.set_defaults(func=cmd_token_revoke)
    tr.add_argument("id", type=int)
