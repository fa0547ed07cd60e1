"""Request middleware of accounts: ``request.actor`` (the API token in ``Authorization: Bearer``,
else the session user), the user's language, and sliding session expiry without a write per page."""

import time
import uuid

from django.conf import settings

from soloops import correlation
from soloops.accounts.actors import Actor
from soloops.accounts.services import token_authenticate
from soloops.errors import NotAuthenticated


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = None
        request.auth_error = None
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            try:
                request.actor = token_authenticate(bearer=value.strip())
            except NotAuthenticated as e:
                request.auth_error = e
        elif request.user.is_authenticated:
            request.actor = Actor.for_user(request.user)
        with correlation.scope(_request_correlation(request)):
            return self.get_response(request)


def _request_correlation(request) -> uuid.UUID | None:
    """A caller may pass X-Correlation-Id to tie its own logs to our events."""
    raw = request.headers.get("X-Correlation-Id", "")
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


class UserLanguageMiddleware:
    """A logged-in person sees the console in the language they chose (``User.language``).

    Runs after authentication; Django's LocaleMiddleware has already picked a language from the
    cookie or the browser, which stays the answer for visitors and people who chose none.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


def session_renewed_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SessionRenewalMiddleware.KEY] = int(time.time())


class SessionRenewalMiddleware:
    """Sliding session expiry without a database write on every page: a logged-in session is
    saved again (its expiry moved to ``SESSION_COOKIE_AGE`` from now) when its last renewal is
    an hour old, or a tenth of the session's age if that is shorter. Django's
    ``SESSION_SAVE_EVERY_REQUEST`` would write the session row on every request."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            every = min(3600, settings.SESSION_COOKIE_AGE // 10)
            now = int(time.time())
            if now - int(request.session.get(self.KEY, 0)) >= every:
                request.session[self.KEY] = now  # modified: saved, with a new expiry
        return self.get_response(request)
