"""Settings → Two-factor: each person turns on a TOTP app for their own log-in (scan the QR
code, confirm with a first code, keep the ten recovery codes shown once) or turns it off with
a current code. Recommended for the owner, who can change everything."""

import segno
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soloops.accounts.services import (
    two_factor_active,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
    two_factor_pending,
    two_factor_recovery_left,
)
from soloops.dashboard.access import VIEWER, console_view
from soloops.errors import ApplicationError

TEMPLATE = "dashboard/settings/two_factor.html"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _setup_context(user) -> dict:
    secret, uri = two_factor_pending(user=user) or two_factor_begin(user=user)
    qr = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", omitsize=False)
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"qr": mark_safe(qr), "secret": spaced}  # noqa: S308 (segno's own SVG markup)


@console_view(VIEWER, write_role=VIEWER)
def two_factor(request):
    user, context = request.user, {"section": "settings", "form": CodeForm()}
    action = request.POST.get("action", "")
    if request.method == "POST":
        form = CodeForm(request.POST)
        context["form"] = form
        if action == "begin":
            context.update(_setup_context(user), setting_up=True, form=CodeForm())
            return render(request, TEMPLATE, context)
        if form.is_valid():
            try:
                if action == "confirm":
                    codes = two_factor_confirm(user=user, code=form.cleaned_data["code"])
                    return render(request, TEMPLATE, {**context, "recovery_codes": codes})
                two_factor_disable(user=user, code=form.cleaned_data["code"])
                messages.success(request, _("Two-factor is off."))
                return redirect("dashboard:settings_two_factor")
            except ApplicationError:
                form.add_error("code", _("That code is not right. Try the newest one."))
        if action == "confirm":
            context.update(_setup_context(user), setting_up=True)
    context["active"] = two_factor_active(user=user)
    context["left"] = two_factor_recovery_left(user=user) if context["active"] else 0
    return render(request, TEMPLATE, context)


urlpatterns = [path("settings/two-factor/", two_factor, name="settings_two_factor")]
