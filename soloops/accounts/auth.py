"""API authentication and the role/scope rule applied to every endpoint.

Reads need any authenticated actor; writes (any unsafe method) need a role that may act
(owner or staff) and a token with the write scope. Session callers also pass CSRF on writes.
"""

from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from soloops.accounts.actors import ActorKind
from soloops.accounts.errors import AccountsErrorCode as Code
from soloops.errors import NotAuthenticated, PermissionDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ActorAuth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request):
        actor = request.actor
        if actor is None:
            raise request.auth_error or NotAuthenticated(
                Code.NOT_AUTHENTICATED, "log in or send an API token as 'Authorization: Bearer'"
            )
        if request.method not in SAFE_METHODS:
            if actor.kind == ActorKind.USER and check_csrf(request) is not None:
                raise PermissionDenied(Code.CSRF_FAILED, "CSRF check failed; reload the page")
            if "write" not in actor.scopes:
                raise PermissionDenied(Code.READ_ONLY, "this API token may only read")
            if not actor.can_write:
                raise PermissionDenied(Code.READ_ONLY, f"the {actor.role} role may only read")
        return actor
