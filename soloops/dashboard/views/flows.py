"""Flows: the list with its switches, a flow's versions, editor, dry run and runs, the runs
list (the failed-runs inbox is ``?status=failed``) and a run with its steps and buttons.

Viewers read everything and may dry-run (it writes nothing); staff retry, skip, cancel and
decide runs; only the owner edits, publishes and switches flows (as the API allows).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.automation import selectors, services
from soloops.dashboard.access import VIEWER, console_view, role_for
from soloops.dashboard.forms.flows import (
    EDITOR,
    RESERVED_KEYS,
    DecisionForm,
    DryRunForm,
    FlowSourceForm,
    NewFlowForm,
    PublishForm,
    RunFilterForm,
    SwitchForm,
    attach_error,
)
from soloops.dashboard.paging import page_of
from soloops.dashboard.templatetags.flow_tags import step_number
from soloops.dashboard.views import diagrams
from soloops.errors import ApplicationError, InvalidInput, NotFound

STARTER = """\
name: My new flow
description: >
  Say in a sentence what this flow does and why.
trigger: {event: order.placed}
# Optional: a condition over the event's context, e.g.
# if: order.total > 500
steps:
  - do: log
    with: {message: "Order {{ order.number }} was placed"}
"""


def _flow_or_404(key: str):
    try:
        return selectors.flow_get(key=key)
    except NotFound:
        raise Http404(key) from None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the list -------------------------------------------------------------------------------


@console_view()
def index(request):
    # By the name as the reader sees it: shipped flows' names are translated, so the order
    # the database gives (by the stored English name) would look random in Chinese.
    flows = sorted(selectors.flows_list(), key=lambda f: (f.display_name.casefold(), f.key))
    return render(request, "dashboard/flows/list.html", {"section": "flows", "flows": flows})


@console_view(role_for("flow.change"))
@require_POST
def flow_switch(request, key: str):
    flow = _flow_or_404(key)
    form = SwitchForm(request.POST)
    target = reverse("dashboard:flows")
    if form.is_valid():
        target = _safe_next(request, form.cleaned_data["next"]) or target
        enabled = form.cleaned_data["enabled"]
        services.flow_set_enabled(flow=flow, enabled=enabled, actor=request.actor)
        if enabled:
            messages.success(
                request,
                _("“%(name)s” is on: new events start runs again.") % {"name": flow.display_name},
            )
        else:
            messages.success(
                request,
                _("“%(name)s” is off: it starts no new runs; runs already started finish.")
                % {"name": flow.display_name},
            )
    else:
        messages.error(request, _("Nothing changed: say whether the flow should be on or off."))
    return redirect(target)


def _safe_next(request, target: str) -> str | None:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


# --- a flow ---------------------------------------------------------------------------------


def annotate(source: str, problems: list[dict]) -> dict:
    """The document's lines, each with the problems found at it, for showing errors in place;
    problems without a line are listed only."""
    at_line: dict[int, list[dict]] = {}
    for problem in problems:
        if problem.get("line"):
            at_line.setdefault(problem["line"], []).append(problem)
    lines = [
        {"number": n, "text": text, "problems": at_line.get(n, [])}
        for n, text in enumerate(source.splitlines() or [""], start=1)
    ]
    placed = {n for n in at_line if n <= len(lines)}
    return {
        "lines": lines,
        "problems": problems,
        "unplaced": [p for p in problems if p.get("line") not in placed],
    }


def _problems_of(error: InvalidInput) -> list[dict]:
    return error.extra.get("problems") or [
        {"path": error.field or "(document)", "message": error.message, "line": None}
    ]


def _dry_run_form(request, flow, versions, shown, data=None) -> DryRunForm:
    owner = request.actor.is_owner
    events = selectors.events_recent(
        type=(shown.document or {}).get("trigger", {}).get("event", "")
    )
    default = EDITOR if owner else str(getattr(flow.published_version, "number", shown.number))
    initial = {"version": default}
    if request.GET.get("event", "").isdigit():
        initial["event_id"] = int(request.GET["event"])
    return DryRunForm(
        data,
        versions=versions,
        events=events,
        editor=owner,
        published=flow.published_version_id,
        initial=initial,
    )


def _shown_version(flow, request, versions):
    number = request.GET.get("version", "")
    if number.isdigit():
        try:
            return selectors.flow_version_get(flow=flow, number=int(number))
        except NotFound:
            raise Http404(number) from None
    return selectors.flow_version_get(flow=flow)


def _flow_page(request, flow, *, editor=None, check=None, dry_form=None, report=None, status=200):
    versions = selectors.flow_versions(flow=flow)
    shown = _shown_version(flow, request, versions)
    if editor is None and request.actor.is_owner:
        editor = FlowSourceForm(initial={"source": shown.source})
    context = {
        "section": "flows",
        "flow": flow,
        "versions": versions,
        "shown": shown,
        "source": annotate(shown.source, []),
        "editor": editor,
        "check": check,
        "dry_form": dry_form or _dry_run_form(request, flow, versions, shown),
        "report": report,
        "actions": selectors.actions_catalog(),
        "runs": page_of(selectors.runs_brief(flow_key=flow.key), request),
        "description": selectors.flow_display_description(
            (shown.document or {}).get("description", "")
        ),
        **diagrams.flow_context(shown, key=flow.key),
    }
    return render(request, "dashboard/flows/flow.html", context, status=status)


@console_view()
def flow(request, key: str):
    return _flow_page(request, _flow_or_404(key))


@console_view(role_for("flow.change"))
@require_POST
def flow_edit(request, key: str):
    """The editor's Validate and Save buttons (``intent``). Nothing is saved unless valid."""
    flow = _flow_or_404(key)
    form = FlowSourceForm(request.POST)
    intent = request.POST.get("intent", "validate")
    if not form.is_valid():
        return _check_response(request, flow, form, None, status=400)
    source = form.cleaned_data["source"]
    try:
        if intent == "save":
            version = services.flow_save(source=source, key=flow.key, actor=request.actor)
        else:
            services.flow_validate(source=source)
    except InvalidInput as e:
        check = {**annotate(source, _problems_of(e)), "refused": intent == "save"}
        return _check_response(request, flow, form, check, status=200 if _is_htmx(request) else 400)
    if intent != "save":
        return _check_response(request, flow, form, {"valid": True})
    messages.success(
        request,
        _("Saved version %(number)s. It does not run yet: publish it to make new runs start on it.")
        % {"number": version.number},
    )
    return redirect(reverse("dashboard:flow", args=[flow.key]) + f"?version={version.number}")


def _check_response(request, flow, form, check, status=200):
    if _is_htmx(request):
        return render(
            request,
            "dashboard/flows/_check.html",
            {"check": check, "editor": form},
            status=200,
        )
    return _flow_page(request, flow, editor=form, check=check, status=status)


@console_view(VIEWER, write_role=role_for("flow.dry_run"))
@require_POST
def flow_dry_run(request, key: str):
    """Try a saved version, or the owner's unsaved text, against a past event. Writes
    nothing, so anyone who may read the flow may try it."""
    flow = _flow_or_404(key)
    versions = selectors.flow_versions(flow=flow)
    shown = _shown_version(flow, request, versions)
    form = _dry_run_form(request, flow, versions, shown, data=request.POST)
    report = None
    if form.is_valid():
        report = _dry_run(request, flow, form)
    editor = FlowSourceForm(request.POST) if request.actor.is_owner else None
    if _is_htmx(request):
        return render(
            request,
            "dashboard/flows/_dry_run.html",
            {"flow": flow, "dry_form": form, "report": report},
        )
    if editor is not None and not editor.is_valid():
        editor = None
    status = 200 if report is not None else 400
    return _flow_page(request, flow, editor=editor, dry_form=form, report=report, status=status)


def _dry_run(request, flow, form: DryRunForm) -> dict | None:
    number = form.version_number()
    try:
        if number is None:
            document = services.flow_validate(source=form.cleaned_data.get("source", ""))
        else:
            document = selectors.flow_version_get(flow=flow, number=number).document
        event_id = form.chosen_event()
        event = selectors.event_get(event_id=event_id) if event_id else None
        if event is None and "event" in document["trigger"]:
            form.add_error("event", _("Choose a past event, or enter its id."))
            return None
        report = selectors.flow_dry_run(document=document, event=event, actor=request.actor)
    except InvalidInput as e:
        if e.code == "invalid_flow":
            form.add_error(
                "version", _("The text in the editor is not valid; validate it to see where.")
            )
        else:
            attach_error(form, e)
        return None
    except ApplicationError as e:
        attach_error(form, e)
        return None
    for entry in report["steps"]:
        entry["depth"] = min(entry["step"].count("[") - 1, 4)
    report["event"] = event
    report["version"] = number
    return report


@console_view(role_for("flow.change"))
@require_POST
def flow_publish(request, key: str):
    flow = _flow_or_404(key)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was published: choose a version."))
        return redirect("dashboard:flow", key=flow.key)
    previous = flow.published_version.number if flow.published_version else None
    try:
        version = selectors.flow_version_get(flow=flow, number=form.cleaned_data["version"])
        services.flow_publish(version=version, actor=request.actor)
    except ApplicationError as e:
        messages.error(request, _("Nothing was published: %(reason)s") % {"reason": e.message})
        return redirect("dashboard:flow", key=flow.key)
    if previous and previous != version.number:
        text = _(
            "Published version %(number)s: new runs start on it. Runs already started finish "
            "on version %(previous)s."
        ) % {"number": version.number, "previous": previous}
    else:
        text = _("Published version %(number)s: new runs start on it.") % {"number": version.number}
    messages.success(request, text)
    return redirect("dashboard:flow", key=flow.key)


@console_view()
@require_POST
def flow_start(request, key: str):
    """Start a run of a manual flow by hand (staff; the owner may start any flow)."""
    flow = _flow_or_404(key)
    try:
        run = services.flow_run_start_manual(flow=flow, inputs={}, actor=request.actor)
    except ApplicationError as e:
        messages.error(request, _("No run was started: %(reason)s") % {"reason": e.message})
        return redirect("dashboard:flow", key=flow.key)
    messages.success(request, _("Started run %(id)s.") % {"id": run.pk})
    return redirect("dashboard:run", run_id=run.pk)


@console_view(role_for("flow.change"))
def flow_new(request):
    """A new flow: the editor with a starter document. Saving makes version 1 (unpublished)."""
    if request.method != "POST":
        form = NewFlowForm(initial={"source": STARTER})
        return _new_page(request, form)
    form = NewFlowForm(request.POST)
    if not form.is_valid():
        return _new_page(request, form, status=400)
    source = form.cleaned_data["source"]
    try:
        document = services.flow_validate(source=source)
    except InvalidInput as e:
        refused = request.POST.get("intent") == "save"
        check = {**annotate(source, _problems_of(e)), "refused": refused}
        return _new_page(request, form, check=check, status=400 if refused else 200)
    if request.POST.get("intent") != "save":
        return _new_page(request, form, check={"valid": True})
    key = form.cleaned_data["key"] or slugify(document["name"])[:100]
    if key in RESERVED_KEYS or _exists(key):
        form.add_error(
            "key",
            _("A flow with the key “%(key)s” exists already; choose another key.") % {"key": key},
        )
        return _new_page(request, form, status=400)
    try:
        version = services.flow_save(source=source, key=key, actor=request.actor)
    except ApplicationError as e:
        attach_error(form, e)
        return _new_page(request, form, status=400)
    messages.success(
        request,
        _("Saved “%(name)s” as version 1. It does not run until you publish it.")
        % {"name": version.flow.display_name},
    )
    return redirect("dashboard:flow", key=version.flow.key)


def _exists(key: str) -> bool:
    try:
        selectors.flow_get(key=key)
    except NotFound:
        return False
    return True


def _new_page(request, form, *, check=None, status=200):
    if _is_htmx(request):
        return render(request, "dashboard/flows/_check.html", {"check": check, "editor": form})
    context = {
        "section": "flows",
        "editor": form,
        "check": check,
        "actions": selectors.actions_catalog(),
    }
    return render(request, "dashboard/flows/new.html", context, status=status)


# --- runs -----------------------------------------------------------------------------------


@console_view()
def runs(request):
    form = RunFilterForm(
        request.GET, statuses=selectors.RUN_STATUSES, flows=selectors.flow_choices()
    )
    form.is_valid()  # a bad value is shown beside its field and not used
    filters = getattr(form, "cleaned_data", {})
    page = page_of(
        selectors.runs_brief(
            flow_key=filters.get("flow") or None, status=filters.get("status") or None
        ),
        request,
    )
    filtered = any(filters.values())
    context = {"section": "flows", "form": form, "runs": page, "filtered": filtered}
    return render(request, "dashboard/flows/runs.html", context)


# What each button may do, by the run's status (as the engine allows).
RUN_ACTIONS = {
    "retry": {"failed"},
    "skip": {"failed", "waiting", "awaiting_approval"},
    "cancel": {"failed", "waiting", "awaiting_approval", "running"},
    "approve": {"awaiting_approval"},
    "reject": {"awaiting_approval"},
}


@console_view()
def run(request, run_id: int):
    try:
        found = selectors.run_detail(run_id=run_id)
    except NotFound:
        raise Http404(run_id) from None
    steps = list(found.steps.all())
    current = next((s for s in steps if s.key == found.cursor), None)
    allowed = {verb for verb, states in RUN_ACTIONS.items() if found.status in states}
    context = {
        "section": "flows",
        "run": found,
        "steps": steps,
        "current": current,
        "allowed": allowed,
        "decision": DecisionForm(),
        **diagrams.run_context(found, steps),
    }
    return render(request, "dashboard/flows/run.html", context)


@console_view()
@require_POST
def run_act(request, run_id: int, verb: str):
    """Retry, skip, cancel, approve or reject a run (staff and the owner)."""
    if verb not in RUN_ACTIONS:
        raise Http404(verb)
    try:
        found = selectors.run_get(run_id=run_id)
    except NotFound:
        raise Http404(run_id) from None
    step = found.cursor
    form = DecisionForm(request.POST)
    try:
        if verb == "retry":
            services.flow_run_retry(run=found, actor=request.actor)
            text = _("Run %(id)s will try step %(step)s again, with fresh attempts.")
        elif verb == "skip":
            services.flow_run_skip(run=found, actor=request.actor)
            text = _("Skipped step %(step)s of run %(id)s; the run goes on with the next step.")
        elif verb == "cancel":
            cancelled = services.flow_run_cancel(run=found, actor=request.actor)
            text = (
                _("Cancelled run %(id)s; completed steps that name an undo were undone.")
                if cancelled.status == "cancelled"
                else _(
                    "Cancelling run %(id)s: its completed steps that name an undo are being "
                    "undone, newest first."
                )
            )
        else:
            if not form.is_valid():
                messages.error(request, _("Nothing was decided: the note is too long."))
                return redirect("dashboard:run", run_id=run_id)
            services.flow_run_decide(
                run=found,
                approved=verb == "approve",
                note=form.cleaned_data["note"],
                actor=request.actor,
            )
            text = (
                _("Approved: run %(id)s goes on.")
                if verb == "approve"
                else _("Rejected: run %(id)s takes its rejection path.")
            )
    except ApplicationError as e:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": e.message})
        return redirect("dashboard:run", run_id=run_id)
    messages.success(request, text % {"id": run_id, "step": step_number(step)})
    return redirect("dashboard:run", run_id=run_id)


urlpatterns = [
    path("flows/", index, name="flows"),
    path("flows/new/", flow_new, name="flow_new"),
    path("flows/runs/", runs, name="runs"),
    path("flows/<slug:key>/", flow, name="flow"),
    path("flows/<slug:key>/edit/", flow_edit, name="flow_edit"),
    path("flows/<slug:key>/dry-run/", flow_dry_run, name="flow_dry_run"),
    path("flows/<slug:key>/publish/", flow_publish, name="flow_publish"),
    path("flows/<slug:key>/switch/", flow_switch, name="flow_switch"),
    path("flows/<slug:key>/start/", flow_start, name="flow_start"),
    path("runs/<int:run_id>/", run, name="run"),
    path("runs/<int:run_id>/<slug:verb>/", run_act, name="run_act"),
]
