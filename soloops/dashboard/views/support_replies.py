"""Settings → Support replies: the wording of SoloOps' replies per intent and language, and
the confidence each intent needs before SoloOps acts alone.

Everyone signed in may look; only the owner changes anything. A text is checked before it is
saved (unknown placeholder, unpaired brace, empty, too long: the error beside the field,
status 400, nothing saved); "Preview" fills it with a sample order without saving; "Restore
the default" puts the shipped wording back.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from soloops.dashboard.access import OWNER, VIEWER, console_view
from soloops.dashboard.forms.settings import attach_error
from soloops.errors import ApplicationError, NotFound
from soloops.support import selectors
from soloops.support.services import intent_threshold_set, reply_text_reset, reply_text_set

guarded = console_view(VIEWER, write_role=OWNER)
LANGUAGE_LABELS = {"en": gettext_lazy("English"), "zh-hans": gettext_lazy("Chinese")}


class ReplyTextForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Reply"), widget=forms.Textarea(attrs={"rows": 6}))


class ThresholdForm(forms.Form):
    threshold = forms.FloatField(
        label=gettext_lazy("Confidence needed to act alone"),
        required=False,
        min_value=0.01,
        max_value=1,
        help_text=gettext_lazy("From 0.01 to 1; empty: the threshold the model learnt."),
    )


def _setting(key: str):
    try:
        return selectors.reply_setting(key)
    except NotFound:
        raise Http404 from None


def _page(request, template: str, context: dict, status: int = 200):
    context = {"section": "settings", "here": "support", "languages": LANGUAGE_LABELS, **context}
    return render(request, f"dashboard/settings/{template}", context, status=status)


@guarded
def support_replies(request):
    return _page(request, "support_replies.html", {"settings": selectors.reply_settings()})


def _edit_page(request, key, language, *, form=None, threshold_form=None, preview=None,
               status=200):  # fmt: skip
    setting = _setting(key)
    context = {
        "setting": setting,
        "language": language,
        "language_label": LANGUAGE_LABELS[language],
        "form": form or ReplyTextForm(initial={"text": setting.texts[language]}),
        "threshold_form": threshold_form
        or ThresholdForm(initial={"threshold": setting.owner_threshold}),
        "placeholders": selectors.reply_placeholders(key),
        "preview": preview,
        "is_intent": key != "no_order",
    }
    return _page(request, "support_reply.html", context, status)


@guarded
def support_reply(request, key: str, language: str):
    if language not in LANGUAGE_LABELS:
        raise Http404
    _setting(key)
    if request.method != "POST":
        return _edit_page(request, key, language)
    form = ReplyTextForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, key, language, form=form, status=400)
    text = form.cleaned_data["text"]
    if "preview" in request.POST:
        shown, found = selectors.reply_preview(key=key, language=language, text=text)
        for problem in found:
            form.add_error("text", problem)
        preview = None if found else shown
        return _edit_page(request, key, language, form=form, preview=preview,
                          status=400 if found else 200)  # fmt: skip
    try:
        reply_text_set(key=key, language=language, text=text, actor=request.actor)
    except ApplicationError as error:
        attach_error(form, error)
        return _edit_page(request, key, language, form=form, status=400)
    messages.success(request, _("Reply saved; SoloOps writes it from now on."))
    return redirect("dashboard:settings_support_reply", key=key, language=language)


@guarded
@require_POST
def support_reply_reset(request, key: str, language: str):
    if language not in LANGUAGE_LABELS:
        raise Http404
    _setting(key)
    reply_text_reset(key=key, language=language, actor=request.actor)
    messages.success(request, _("The shipped wording is back."))
    return redirect("dashboard:settings_support_reply", key=key, language=language)


@guarded
@require_POST
def support_threshold(request, key: str, language: str):
    _setting(key)
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            intent_threshold_set(intent=key, threshold=form.cleaned_data["threshold"],
                                 actor=request.actor)  # fmt: skip
        except ApplicationError as error:
            attach_error(form, error)
    if form.errors:
        return _edit_page(request, key, language, threshold_form=form, status=400)
    messages.success(request, _("Threshold saved."))
    return redirect("dashboard:settings_support_reply", key=key, language=language)


urlpatterns = [
    path("settings/support/", support_replies, name="settings_support"),
    path("settings/support/<str:key>/<str:language>/", support_reply,
         name="settings_support_reply"),
    path("settings/support/<str:key>/<str:language>/reset", support_reply_reset,
         name="settings_support_reply_reset"),
    path("settings/support/<str:key>/<str:language>/threshold", support_threshold,
         name="settings_support_threshold"),
]  # fmt: skip
