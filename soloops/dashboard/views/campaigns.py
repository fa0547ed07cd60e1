"""Campaigns (under Customers): the list with a form to draft one (staff), and one campaign —
its previews in English and Chinese, editing it until it starts sending (staff), a test send
and the schedule (owner), and its results."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.dashboard.access import OWNER, console_view
from soloops.dashboard.forms.campaigns import CampaignForm, ScheduleForm, TestSendForm
from soloops.dashboard.paging import page_of
from soloops.errors import ApplicationError, NotFound
from soloops.marketing import services
from soloops.marketing.campaign_selectors import (
    campaign_get,
    campaign_preview,
    campaign_results,
    campaigns_list,
)

LIST = "dashboard/campaigns/list.html"
DETAIL = "dashboard/campaigns/detail.html"


def _error_on(form, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@console_view()
def index(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            _error_on(form, error)
        else:
            messages.success(request, _("Campaign %(name)s drafted.") % {"name": campaign.name})
            return redirect("dashboard:campaign", campaign.pk)
    page = page_of(campaigns_list(), request)
    status = 400 if form.errors else 200
    context = {"section": "customers", "page": page, "form": form}
    return render(request, LIST, context, status=status)


def _campaign_or_404(campaign_id: int):
    try:
        return campaign_get(campaign_id=campaign_id)
    except NotFound:
        raise Http404 from None


def _edit_form(campaign, data=None) -> CampaignForm:
    initial = {name: getattr(campaign, name) for name in services.CAMPAIGN_EDITABLE}
    return CampaignForm(data, initial=initial, prefix="edit")


def _detail_context(campaign, schedule=None, test=None, edit=None) -> dict:
    return {
        "section": "customers",
        "campaign": campaign,
        "previews": [
            ("en", _("English"), campaign_preview(campaign=campaign, language="en")),
            ("zh-hans", _("Chinese"), campaign_preview(campaign=campaign, language="zh-hans")),
        ],
        "results": campaign_results(campaign=campaign),
        "schedule_form": schedule or ScheduleForm(),
        "test_form": test or TestSendForm(),
        "edit_form": edit or _edit_form(campaign),
        "editable": campaign.status in ("draft", "scheduled"),
    }


@console_view()
def detail(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    return render(request, DETAIL, _detail_context(campaign))


@console_view()
def edit(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = _edit_form(campaign, request.POST)
    if form.is_valid():
        try:
            services.campaign_update(campaign=campaign, actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            _error_on(form, error)
        else:
            messages.success(request, _("Campaign %(name)s saved.") % {"name": campaign.name})
            return redirect("dashboard:campaign", campaign.pk)
    return render(request, DETAIL, _detail_context(campaign, edit=form), status=400)


@console_view(write_role=OWNER)
def schedule(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        send_at = form.cleaned_data["send_at"]  # aware, in the shop's time zone
        try:
            services.campaign_schedule(campaign=campaign, send_at=send_at, actor=request.actor)
        except ApplicationError as error:
            _error_on(form, error)
        else:
            when = send_at or timezone.now()
            messages.success(
                request,
                _("Scheduled for %(when)s.")
                % {"when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("dashboard:campaign", campaign.pk)
    return render(request, DETAIL, _detail_context(campaign, schedule=form), status=400)


@console_view(write_role=OWNER)
def test_send(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = TestSendForm(request.POST)
    if form.is_valid():
        try:
            services.campaign_test_send(campaign=campaign, actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            _error_on(form, error)
        else:
            messages.success(request, _("Test sent to %(to)s.") % {"to": form.cleaned_data["to"]})
            return redirect("dashboard:campaign", campaign.pk)
    return render(request, DETAIL, _detail_context(campaign, test=form), status=400)


urlpatterns = [
    path("customers/campaigns/", index, name="campaigns"),
    path("customers/campaigns/<int:campaign_id>/", detail, name="campaign"),
    path("customers/campaigns/<int:campaign_id>/edit/", edit, name="campaign_edit"),
    path("customers/campaigns/<int:campaign_id>/schedule/", schedule, name="campaign_schedule"),
    path("customers/campaigns/<int:campaign_id>/test/", test_send, name="campaign_test"),
]
