"""The console's log-in: throttled per username and client address, then the second factor
for a user who has one (``two_factor``). The console and the admin use the same form.

A locked-out pair gets the same clear message whatever the password, so a guesser learns
nothing from trying the right one; other addresses, and other usernames, are not affected.
"""

import time

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from soloops.accounts.models import User
from soloops.accounts.services import (
    login_client,
    login_failure_record,
    login_failures_clear,
    login_locked_for,
    two_factor_active,
    two_factor_verify,
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


# --- the second step, for a user with two-factor on ------------------------------------------

PENDING = "soloops_two_factor_pending"  # in the session between the password and the code
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor_active(user=user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("login_code")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def login_code(request):
    """The code after the password. Wrong codes count against the same lockout as passwords."""
    pending = request.session.get(PENDING) or {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, client = user.get_username(), login_client(request.META.get("REMOTE_ADDR"))
        locked = login_locked_for(username=username, client=client)
        if not locked and two_factor_verify(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING]
            login_failures_clear(username=username, client=client)
            auth_login(request, user, backend=pending["backend"])
            return redirect(pending["next"])
        locked = locked or login_failure_record(username=username, client=client)
        error = locked_error(locked) if locked else _("That code is not right. Try the newest one.")
        form.add_error("code", error)
    return render(request, "registration/login_code.html", {"form": form})
