"""Settings → Sales channels: connect a Shopify or WooCommerce store (its webhook address and
secret), map its SKUs to ours, read every delivery it sent (received, duplicate, rejected,
processed, held with the reason), replay a held one, and catch up on missed orders.

Everyone signed in may look; the owner configures; staff replay and poll.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.dashboard.access import OWNER, STAFF, VIEWER, console_view
from soloops.dashboard.forms.settings import attach_error
from soloops.dashboard.forms.webhooks import ChannelForm
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError, NotFound
from soloops.integrations.selectors import channels as selectors
from soloops.integrations.services import channels as services

owner_writes = console_view(VIEWER, write_role=OWNER)
staff_writes = console_view(VIEWER, write_role=STAFF)


def _page(request, template: str, context: dict, status: int = 200):
    context = {"section": "settings", "here": "channels", **context}
    return render(request, f"dashboard/settings/{template}", context, status=status)


def _channel(channel_id: int):
    try:
        return selectors.channel_get(channel_id=channel_id)
    except NotFound:
        raise Http404 from None


def _webhook_url(channel) -> str:
    return f"{settings.SITE_URL}/webhooks/channels/{channel.pk}"


@owner_writes
def channels(request):
    form = ChannelForm(request.POST or None, kinds=selectors.KINDS)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.channel_create(actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            context = {"channel": channel, "secret": channel.secret, "url": _webhook_url(channel)}
            response = _page(request, "channel_created.html", context)
            response["Cache-Control"] = "no-store"
            return response
    context = {"page": page_of(selectors.channels_list(), request), "form": form}
    return _page(request, "channels.html", context, 400 if request.method == "POST" else 200)


@owner_writes
def channel(request, channel_id: int):
    row = _channel(channel_id)
    initial = {
        "name": row.name,
        "api_url": row.api_url,
        "sku_map": "\n".join(f"{k} = {v}" for k, v in row.sku_map.items()),
    }
    form = ChannelForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v or k in ("sku_map", "api_url")}
        try:
            services.channel_update(channel=row, actor=request.actor, **data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Channel saved."))
            return redirect("dashboard:settings_channel", channel_id=row.pk)
    status_filter = request.GET.get("status", "")
    statuses = dict(selectors.INBOUND_STATUSES)
    context = {
        "channel": row,
        "url": _webhook_url(row),
        "form": form,
        "statuses": selectors.INBOUND_STATUSES,
        "status_filter": status_filter,
        "page": page_of(
            selectors.channel_deliveries(
                channel=row, status=status_filter if status_filter in statuses else None
            ),
            request,
        ),
    }
    return _page(request, "channel.html", context, 400 if request.method == "POST" else 200)


@require_POST
@staff_writes
def channel_poll(request, channel_id: int):
    row = _channel(channel_id)
    try:
        found = services.channel_poll(channel=row, actor=request.actor)
    except ApplicationError as error:
        messages.error(request, error.message)
    except OSError as error:
        messages.error(request, _("The store did not answer: %(error)s") % {"error": error})
    else:
        messages.success(
            request,
            _("Asked the store: %(seen)s orders, %(new)s new ones taken in.") % found,
        )
    return redirect("dashboard:settings_channel", channel_id=row.pk)


@require_POST
@staff_writes
def channel_delivery_replay(request, delivery_id: int):
    try:
        row = selectors.channel_delivery_get(delivery_id=delivery_id)
    except NotFound:
        raise Http404 from None
    try:
        services.channel_delivery_replay(delivery=row, actor=request.actor)
        messages.success(request, _("Processing it again."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("dashboard:settings_channel", channel_id=row.channel_id)


urlpatterns = [
    path("settings/channels/", channels, name="settings_channels"),
    path("settings/channels/<int:channel_id>/", channel, name="settings_channel"),
    path("settings/channels/<int:channel_id>/poll", channel_poll, name="settings_channel_poll"),
    path(
        "settings/channels/deliveries/<int:delivery_id>/replay",
        channel_delivery_replay,
        name="settings_channel_replay",
    ),
]
