"""Settings → Webhooks: the owner subscribes outside tools to the shop's events, reads each
subscription's delivery log (every attempt: status, latency, answer), sends a test, replays a
delivery, pauses and resumes.

Everyone signed in may look (the secret is shown once, on the page after subscribing); the
owner subscribes, changes, pauses, resumes and removes; staff may send tests and replay.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.dashboard.access import OWNER, STAFF, VIEWER, console_view
from soloops.dashboard.forms.settings import attach_error
from soloops.dashboard.forms.webhooks import PauseForm, WebhookForm
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError, NotFound
from soloops.integrations.selectors import webhooks as selectors
from soloops.integrations.services import webhooks as services

SECTION = "settings"
owner_writes = console_view(VIEWER, write_role=OWNER)
staff_writes = console_view(VIEWER, write_role=STAFF)
STATUSES = dict(selectors.DELIVERY_STATUSES)


def _page(request, template: str, context: dict, status: int = 200):
    context = {"section": SECTION, "here": "webhooks", **context}
    return render(request, f"dashboard/settings/{template}", context, status=status)


def _subscription(webhook_id: int):
    try:
        return selectors.webhook_subscription_get(subscription_id=webhook_id)
    except NotFound:
        raise Http404 from None


def _list_page(request, form=None, status: int = 200):
    context = {
        "page": page_of(selectors.webhook_subscriptions_list(), request),
        "form": form or WebhookForm(),
    }
    return _page(request, "webhooks.html", context, status)


@owner_writes
def webhooks(request):
    if request.method != "POST":
        return _list_page(request)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, 400)
    try:
        sub = services.webhook_subscription_create(actor=request.actor, **form.cleaned_data)
    except ApplicationError as error:
        attach_error(form, error)
        return _list_page(request, form, 400)
    # The secret is on this response only: not in a message, not in a redirect.
    response = _page(request, "webhook_created.html", {"sub": sub, "secret": sub.secret})
    response["Cache-Control"] = "no-store"
    return response


@owner_writes
def webhook(request, webhook_id: int):
    sub = _subscription(webhook_id)
    form = None
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                services.webhook_subscription_update(
                    subscription=sub, actor=request.actor, **form.cleaned_data
                )
            except ApplicationError as error:
                attach_error(form, error)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect("dashboard:settings_webhook", webhook_id=sub.pk)
    status_filter = request.GET.get("status", "")
    deliveries = selectors.webhook_deliveries_list(
        subscription=sub, status=status_filter if status_filter in STATUSES else None
    )
    context = {
        "sub": sub,
        "page": page_of(deliveries, request),
        "status_filter": status_filter,
        "statuses": selectors.DELIVERY_STATUSES,
        "form": form
        or WebhookForm(
            initial={"name": sub.name, "url": sub.url, "event_types": " ".join(sub.event_types)}
        ),
        "pause_form": PauseForm(),
    }
    return _page(request, "webhook.html", context, 400 if form is not None else 200)


@require_POST
@owner_writes
def webhook_pause(request, webhook_id: int):
    sub = _subscription(webhook_id)
    form = PauseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.webhook_subscription_pause(
            subscription=sub, actor=request.actor, reason=reason or _("paused by the owner")
        )
        messages.success(request, _("Paused: deliveries wait until you resume."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("dashboard:settings_webhook", webhook_id=sub.pk)


@require_POST
@owner_writes
def webhook_resume(request, webhook_id: int):
    sub = _subscription(webhook_id)
    try:
        services.webhook_subscription_resume(subscription=sub, actor=request.actor)
        messages.success(request, _("Resumed: the deliveries that waited are being sent."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("dashboard:settings_webhook", webhook_id=sub.pk)


@require_POST
@owner_writes
def webhook_delete(request, webhook_id: int):
    sub = _subscription(webhook_id)
    services.webhook_subscription_delete(subscription=sub, actor=request.actor)
    messages.success(request, _("Webhook %(name)s removed.") % {"name": sub.name})
    return redirect("dashboard:settings_webhooks")


@require_POST
@staff_writes
def webhook_test(request, webhook_id: int):
    sub = _subscription(webhook_id)
    services.webhook_test_send(subscription=sub, actor=request.actor)
    messages.success(
        request, _("Test queued: its outcome shows at the top of the delivery log in a moment.")
    )
    return redirect("dashboard:settings_webhook", webhook_id=sub.pk)


@staff_writes
def delivery(request, delivery_id: int):
    try:
        row = selectors.webhook_delivery_get(delivery_id=delivery_id)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        try:
            services.webhook_delivery_replay(delivery=row, actor=request.actor)
            messages.success(request, _("Sent again with the same idempotency key."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("dashboard:settings_webhook_delivery", delivery_id=row.pk)
    return _page(request, "webhook_delivery.html", {"delivery": row, "sub": row.subscription})


urlpatterns = [
    path("settings/webhooks/", webhooks, name="settings_webhooks"),
    path("settings/webhooks/<int:webhook_id>/", webhook, name="settings_webhook"),
    path("settings/webhooks/<int:webhook_id>/pause", webhook_pause, name="settings_webhook_pause"),
    path(
        "settings/webhooks/<int:webhook_id>/resume", webhook_resume, name="settings_webhook_resume"
    ),
    path(
        "settings/webhooks/<int:webhook_id>/delete", webhook_delete, name="settings_webhook_delete"
    ),
    path("settings/webhooks/<int:webhook_id>/test", webhook_test, name="settings_webhook_test"),
    path(
        "settings/webhooks/deliveries/<int:delivery_id>/",
        delivery,
        name="settings_webhook_delivery",
    ),
]
