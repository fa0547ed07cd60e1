"""Alerts: what the detectors found, open ones first, with acknowledge and snooze for staff.

An acknowledged alert stays until its condition clears, without more notices; a snoozed one
hides for an hour or a day and fires again if the condition still holds then.
"""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.dashboard.access import console_view
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError
from soloops.monitoring.selectors import alert_get, alerts_list, recoveries
from soloops.monitoring.services import alert_acknowledge, alert_snooze

SNOOZE_HOURS = {"1": 1, "24": 24}


@console_view()
def alerts(request):
    show_all = request.GET.get("all") == "1"
    page = page_of(alerts_list(open_only=not show_all), request)
    if show_all:
        page.query = {"all": "1"}
    context = {
        "section": "alerts",
        "page": page,
        "show_all": show_all,
        "recovered": recoveries(),
    }
    return render(request, "dashboard/alerts/list.html", context)


@require_POST
@console_view()
def alert_act(request, alert_id: int, action: str):
    alert = alert_get(alert_id=alert_id)
    try:
        if action == "acknowledge":
            alert_acknowledge(alert=alert, actor=request.actor)
            messages.success(request, _("Acknowledged: %(title)s") % {"title": alert.title})
        else:
            hours = SNOOZE_HOURS.get(request.POST.get("hours", ""), 1)
            until = timezone.now() + timedelta(hours=hours)
            alert_snooze(alert=alert, until=until, actor=request.actor)
            messages.success(
                request,
                _("Snoozed for %(hours)d hours: %(title)s")
                % {"hours": hours, "title": alert.title},
            )
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("dashboard:alerts")


urlpatterns = [
    path("alerts/", alerts, name="alerts"),
    path(
        "alerts/<int:alert_id>/acknowledge",
        alert_act,
        {"action": "acknowledge"},
        name="alert_acknowledge",
    ),
    path("alerts/<int:alert_id>/snooze", alert_act, {"action": "snooze"}, name="alert_snooze"),
]
