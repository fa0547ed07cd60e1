"""API authentication and the role/scope rule applied to every endpoint.

Each operation stands for an action of ``soloops.accounts.permissions``: by default reads are
"read" (any authenticated actor) and writes (any unsafe method) are "act" (owner or staff);
an operation that the owner keeps names its action: ``auth=api_auth("supplier.change")``.
Changing anything also needs a token with the write scope. Session callers pass CSRF on writes.
The check runs before the input is read, so a caller without the role gets 403 whatever
they send.
"""

from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from soloops.accounts.actors import ActorKind
from soloops.accounts.errors import AccountsErrorCode as Code
from soloops.accounts.permissions import STAFF, VIEWER, has_role, may, role_for
from soloops.errors import NotAuthenticated, PermissionDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ActorAuth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, action: str | None = None) -> None:
        if action is not None:
            role_for(action)  # an unknown action fails at import, not on the first request
        self.action = action
        super().__init__()

    def action_for(self, method: str) -> str:
        return self.action or ("read" if method in SAFE_METHODS else "act")

    def __call__(self, request):
        actor = request.actor
        if actor is None:
            raise request.auth_error or NotAuthenticated(
                Code.NOT_AUTHENTICATED, "log in or send an API token as 'Authorization: Bearer'"
            )
        action = self.action_for(request.method)
        unsafe = request.method not in SAFE_METHODS
        if unsafe and actor.kind == ActorKind.USER and check_csrf(request) is not None:
            raise PermissionDenied(Code.CSRF_FAILED, "CSRF check failed; reload the page")
        if role_for(action) != VIEWER and "write" not in actor.scopes:
            raise PermissionDenied(Code.READ_ONLY, "this API token may only read")
        if not may(actor, action):
            if has_role(actor, STAFF):
                raise PermissionDenied(Code.OWNER_ONLY, "only the shop owner may do this")
            raise PermissionDenied(Code.READ_ONLY, f"the {actor.role} role may only read")
        return actor


def api_auth(action: str) -> ActorAuth:
    """The auth of an API operation that stands for ``action`` (see permissions.ROLE_FOR)."""
    return ActorAuth(action)
