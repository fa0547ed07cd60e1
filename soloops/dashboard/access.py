"""Who may do what in the console: viewer sees, staff acts, owner configures.

Every console view is wrapped in ``console_view(role)``; a view that stands for an action of
``soloops.accounts.permissions`` takes its role from there (``console_view(role_for(
"supplier.change"))``), the same rule the API applies. A visitor who is not logged in goes to
the login page; a logged-in person below the role gets a 403 page, for GET and POST alike, so a
forged form post from a viewer changes nothing. Templates ask ``can_act`` / ``can_configure``
(set by the context processor below) before showing buttons, but the decorator is the guard.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from soloops.accounts.actors import Actor
from soloops.accounts.permissions import OWNER, RANK, STAFF, VIEWER, has_role, role_for

__all__ = ["OWNER", "RANK", "STAFF", "VIEWER", "Actor", "console_view", "has_role", "role_for"]


def console_view(role: str = VIEWER, *, write_role: str | None = None) -> Callable:
    """Guard a view: ``role`` to use it at all; ``write_role`` (default: staff, or ``role`` if
    higher) for any method other than GET/HEAD."""
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}")
    needed_to_write = write_role or (role if RANK[role] > RANK[STAFF] else STAFF)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = Actor.for_user(request.user)
            needed = role if request.method in ("GET", "HEAD") else needed_to_write
            if not has_role(actor, needed):
                raise PermissionDenied(f"this needs the {needed} role")
            request.actor = actor
            return view(request, *args, **kwargs)

        guarded.console_role = role
        return guarded

    return decorate


def roles(request) -> dict:
    """Context processor: what the person looking at the page may do."""
    actor = getattr(request, "actor", None)
    return {
        "can_act": has_role(actor, STAFF),
        "can_configure": has_role(actor, OWNER),
    }
