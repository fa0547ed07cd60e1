"""Settings: the shop profile, tax and shipping tables, review thresholds, email, users and API
tokens — and each person's own console language.

Everyone signed in may look (no secret is ever shown); only the owner changes anything: every
view is ``console_view(VIEWER, write_role=OWNER)``. Each sub-page is a small form: parse, call
one service, redirect with an outcome message. Bad input shows the form again with the error
beside its field (status 400) and changes nothing.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.accounts.selectors import token_get_for, tokens_visible_to, user_get, users_list
from soloops.accounts.services import (
    token_create,
    token_revoke,
    user_create,
    user_set_active,
    user_set_role,
)
from soloops.dashboard.access import OWNER, VIEWER, console_view
from soloops.dashboard.forms.settings import (
    POLICY_LABELS,
    ReviewPolicyForm,
    ShippingRateForm,
    ShopProfileForm,
    TaxRateForm,
    TestEmailForm,
    TokenCreateForm,
    UserActiveForm,
    UserCreateForm,
    UserRoleForm,
    attach_error,
)
from soloops.dashboard.paging import page_of
from soloops.emails.selectors import SendFilters, emails_list
from soloops.emails.services import email_test_send
from soloops.errors import ApplicationError, NotFound
from soloops.orders.selectors import (
    review_policy_get,
    shipping_rate_get,
    shipping_rates_list,
    tax_rate_get,
    tax_rates_list,
)
from soloops.orders.services import (
    review_policy_update,
    shipping_rate_create,
    shipping_rate_delete,
    shipping_rate_update,
    tax_rate_create,
    tax_rate_delete,
    tax_rate_update,
)
from soloops.shop.selectors import FIELDS, mail_settings, shop_profile
from soloops.shop.services import shop_profile_update

SECTION = "settings"
guarded = console_view(VIEWER, write_role=OWNER)


def _page(request, template: str, here: str, context: dict, status: int = 200):
    context = {"section": SECTION, "here": here, **context}
    return render(request, f"dashboard/settings/{template}", context, status=status)


def _run(form: forms.Form, call: Callable[[dict], object], fields: dict | None = None) -> bool:
    """Valid form → the service; a service's error lands beside the field it names."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ApplicationError as error:
        attach_error(form, error, fields=fields)
        return False
    return True


def _or_404(get: Callable, **kwargs):
    try:
        return get(**kwargs)
    except NotFound:
        raise Http404 from None


# --- the shop profile (and your own language) -----------------------------------------------


@guarded
def shop(request):
    profile = shop_profile()
    if request.method == "POST":
        form = ShopProfileForm(request.POST)
        if _run(form, lambda data: shop_profile_update(actor=request.actor, **data)):
            messages.success(request, _("Shop profile saved."))
            return redirect("dashboard:settings")
        status = 400
    else:
        initial = {field: getattr(profile, field) for field in FIELDS}
        initial["prices_include_tax"] = "true" if profile.prices_include_tax else "false"
        form = ShopProfileForm(initial=initial)
        status = 200
    context = {"form": form, "profile": profile, "my_language": request.user.language}
    return _page(request, "shop.html", "shop", context, status)


# --- tax and shipping tables ----------------------------------------------------------------


def _rates_page(request, *, shipping_form=None, tax_form=None, status: int = 200):
    tax_rates = list(tax_rates_list())
    for row in tax_rates:
        row.percent = TaxRateForm.initial_from(row)["rate"]
    context = {
        "shipping_rates": list(shipping_rates_list()),
        "tax_rates": tax_rates,
        "shipping_form": shipping_form or ShippingRateForm(),
        "tax_form": tax_form or TaxRateForm(),
        "currency": shop_profile().currency,
    }
    return _page(request, "rates.html", "rates", context, status)


@guarded
def rates(request):
    return _rates_page(request)


@require_POST
@guarded
def shipping_rate_add(request):
    form = ShippingRateForm(request.POST)
    if _run(form, lambda data: shipping_rate_create(actor=request.actor, **data)):
        messages.success(
            request,
            _("Shipping rate for %(country)s added; new orders use it.") % form.cleaned_data,
        )
        return redirect("dashboard:settings_rates")
    return _rates_page(request, shipping_form=form, status=400)


@guarded
def shipping_rate(request, rate_id: int):
    rate = _or_404(shipping_rate_get, rate_id=rate_id)
    status = 200
    if request.method == "POST":
        form = ShippingRateForm(request.POST)
        if _run(form, lambda data: shipping_rate_update(rate=rate, actor=request.actor, **data)):
            messages.success(
                request,
                _("Shipping rate for %(country)s saved; new orders use it.") % form.cleaned_data,
            )
            return redirect("dashboard:settings_rates")
        status = 400
    else:
        form = ShippingRateForm(
            initial={
                field: getattr(rate, field)
                for field in ("method", "country", "amount", "free_over", "days_min", "days_max")
            }
        )
    context = {"form": form, "rate": rate, "kind": "shipping", "currency": shop_profile().currency}
    return _page(request, "rate_edit.html", "rates", context, status)


@require_POST
@guarded
def shipping_rate_remove(request, rate_id: int):
    rate = _or_404(shipping_rate_get, rate_id=rate_id)
    shipping_rate_delete(rate=rate, actor=request.actor)
    messages.success(
        request, _("Shipping rate for %(country)s deleted.") % {"country": rate.country}
    )
    return redirect("dashboard:settings_rates")


@require_POST
@guarded
def tax_rate_add(request):
    form = TaxRateForm(request.POST)

    def add(data):
        tax_rate_create(country=data["country"], rate=form.fraction(), actor=request.actor)

    if _run(form, add):
        messages.success(
            request, _("Tax rate for %(country)s added; new orders use it.") % form.cleaned_data
        )
        return redirect("dashboard:settings_rates")
    return _rates_page(request, tax_form=form, status=400)


@guarded
def tax_rate(request, rate_id: int):
    row = _or_404(tax_rate_get, rate_id=rate_id)
    status = 200
    if request.method == "POST":
        form = TaxRateForm(request.POST)

        def save(data):
            tax_rate_update(
                tax_rate=row, country=data["country"], rate=form.fraction(), actor=request.actor
            )

        if _run(form, save):
            messages.success(
                request,
                _("Tax rate for %(country)s saved; new orders use it.") % form.cleaned_data,
            )
            return redirect("dashboard:settings_rates")
        status = 400
    else:
        form = TaxRateForm(initial=TaxRateForm.initial_from(row))
    return _page(
        request, "rate_edit.html", "rates", {"form": form, "rate": row, "kind": "tax"}, status
    )


@require_POST
@guarded
def tax_rate_remove(request, rate_id: int):
    row = _or_404(tax_rate_get, rate_id=rate_id)
    tax_rate_delete(tax_rate=row, actor=request.actor)
    messages.success(request, _("Tax rate for %(country)s deleted.") % {"country": row.country})
    return redirect("dashboard:settings_rates")


# --- review thresholds ----------------------------------------------------------------------


@guarded
def review(request):
    status = 200
    if request.method == "POST":
        form = ReviewPolicyForm(request.POST)
        if _run(form, lambda data: review_policy_update(actor=request.actor, **data)):
            messages.success(
                request, _("Review thresholds saved; orders from now on are reviewed with them.")
            )
            return redirect("dashboard:settings_review")
        status = 400
    else:
        policy = review_policy_get()
        form = ReviewPolicyForm(initial={name: getattr(policy, name) for name in POLICY_LABELS})
    return _page(request, "review.html", "review", {"form": form}, status)


# --- email ----------------------------------------------------------------------------------


@guarded
def email(request):
    status = 200
    if request.method == "POST":
        form = TestEmailForm(request.POST)

        def send(data):
            email_test_send(
                to=data["to"],
                key=data["key"],
                language=translation.get_language() or "",
                actor=request.actor,
            )

        if _run(form, send):
            messages.success(
                request,
                _(
                    "Test email to %(to)s queued — it will arrive in a minute; check the list "
                    "of test emails below."
                )
                % form.cleaned_data,
            )
            return redirect("dashboard:settings_email")
        status = 400
    else:
        form = TestEmailForm(initial={"to": request.user.email, "key": TestEmailForm.fresh_key()})
    context = {
        "form": form,
        "mail": mail_settings(),
        "profile": shop_profile(),
        # This person's (the subject index finds them among every email the shop sent).
        "tests": list(
            emails_list(
                SendFilters(
                    template="test_email",
                    subject_type="accounts.user",
                    subject_id=str(request.actor.user_id),
                )
            )[:5]
        ),
    }
    return _page(request, "email.html", "email", context, status)


# --- users and roles ------------------------------------------------------------------------


def _users_page(request, *, form=None, row_error: dict | None = None, status: int = 200):
    context = {
        "page": page_of(users_list(), request),
        "form": form or UserCreateForm(),
        "roles": UserRoleForm().fields["role"].choices,
        "row_error": row_error or {},
    }
    return _page(request, "users.html", "users", context, status)


@guarded
def users(request):
    if request.method == "POST":
        form = UserCreateForm(request.POST)

        def create(data):
            user_create(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                role=data["role"],
                actor=request.actor,
            )

        if _run(form, create):
            messages.success(
                request,
                _("User %(username)s created; they can log in now.") % form.cleaned_data,
            )
            return redirect("dashboard:settings_users")
        return _users_page(request, form=form, status=400)
    return _users_page(request)


def _user_change(request, user_id: int, form: forms.Form, change: Callable, done: str):
    user = _or_404(user_get, user_id=user_id)
    if _run(form, lambda data: change(user, data)):
        messages.success(request, done % {"username": user.username})
        return redirect("dashboard:settings_users")
    field = next(iter(form.errors), "")
    error = {"user": user.pk, "field": field, "message": " ".join(form.errors.get(field, []))}
    return _users_page(request, row_error=error, status=400)


@require_POST
@guarded
def user_role(request, user_id: int):
    form = UserRoleForm(request.POST)
    return _user_change(
        request,
        user_id,
        form,
        lambda user, data: user_set_role(user=user, role=data["role"], actor=request.actor),
        _("%(username)s has a new role."),
    )


@require_POST
@guarded
def user_active(request, user_id: int):
    form = UserActiveForm(request.POST)
    active = request.POST.get("active") == "1"
    return _user_change(
        request,
        user_id,
        form,
        lambda user, data: user_set_active(user=user, active=data["active"], actor=request.actor),
        _("%(username)s can log in again.")
        if active
        else _("%(username)s is deactivated: they cannot log in and their API tokens stop."),
    )


# --- API tokens -----------------------------------------------------------------------------


def _tokens_page(request, *, form=None, status: int = 200):
    context = {
        "page": page_of(tokens_visible_to(actor=request.actor), request),
        "form": form or TokenCreateForm(),
        "now": timezone.now(),
    }
    return _page(request, "tokens.html", "tokens", context, status)


@guarded
def tokens(request):
    if request.method != "POST":
        return _tokens_page(request)
    form = TokenCreateForm(request.POST)
    issued = []

    def create(data):
        issued.append(
            token_create(
                user=request.user,
                name=data["name"],
                scope=data["scope"],
                expires_at=form.expiry(),
                actor=request.actor,
            )
        )

    if not _run(form, create):
        return _tokens_page(request, form=form, status=400)
    # The secret is on this response only: not stored, not in a message, not in a redirect.
    context = {"token": issued[0].token, "secret": issued[0].secret}
    response = _page(request, "token_created.html", "tokens", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@guarded
def token_revoke_view(request, token_id: int):
    token = _or_404(token_get_for, actor=request.actor, token_id=token_id)
    token_revoke(token=token, actor=request.actor)
    messages.success(
        request,
        _("Token %(name)s revoked; requests with it are refused from now on.")
        % {"name": token.name},
    )
    return redirect("dashboard:settings_tokens")


urlpatterns = [
    path("settings/", shop, name="settings"),
    path("settings/rates/", rates, name="settings_rates"),
    path("settings/rates/shipping/", shipping_rate_add, name="settings_shipping_rate_add"),
    path("settings/rates/shipping/<int:rate_id>/", shipping_rate, name="settings_shipping_rate"),
    path(
        "settings/rates/shipping/<int:rate_id>/delete",
        shipping_rate_remove,
        name="settings_shipping_rate_delete",
    ),
    path("settings/rates/tax/", tax_rate_add, name="settings_tax_rate_add"),
    path("settings/rates/tax/<int:rate_id>/", tax_rate, name="settings_tax_rate"),
    path(
        "settings/rates/tax/<int:rate_id>/delete", tax_rate_remove, name="settings_tax_rate_delete"
    ),
    path("settings/review/", review, name="settings_review"),
    path("settings/email/", email, name="settings_email"),
    path("settings/users/", users, name="settings_users"),
    path("settings/users/<int:user_id>/role", user_role, name="settings_user_role"),
    path("settings/users/<int:user_id>/active", user_active, name="settings_user_active"),
    path("settings/tokens/", tokens, name="settings_tokens"),
    path("settings/tokens/<int:token_id>/revoke", token_revoke_view, name="settings_token_revoke"),
]
