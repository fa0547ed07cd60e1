"""The console's log-in: throttled per username and client address, then the second factor
for a user who has one (``two_factor``). The console and the admin use the same form.

A locked-out pair gets the same clear message whatever the password, so a guesser learns
nothing from trying the right one; other addresses, and other usernames, are not affected.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext

from soloops.accounts.services import (
    login_client,
    login_failure_record,
    login_failures_clear,
    login_locked_for,
)


def locked_error(seconds: int) -> forms.ValidationError:
    minutes = max(1, -(-seconds // 60))
    return forms.ValidationError(
        ngettext(
            "Too many failed log-ins for this username from your address. "
            "Try again in %(minutes)d minute.",
            "Too many failed log-ins for this username from your address. "
            "Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="locked",
    )


class ThrottledMixin:
    """Refuses a locked-out (username, address) pair before checking the password; counts a
    failure; forgets the failures on success."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        client = login_client(self.request.META.get("REMOTE_ADDR") if self.request else None)
        locked = login_locked_for(username=username, client=client)
        if locked:
            raise locked_error(locked)
        try:
            cleaned = super().clean()
        except forms.ValidationError as e:
            if getattr(e, "code", "") != "invalid_login":
                raise
            locked = login_failure_record(username=username, client=client)
            if locked:
                raise locked_error(locked) from None
            raise
        login_failures_clear(username=username, client=client)
        return cleaned


class LoginForm(ThrottledMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = LoginForm
