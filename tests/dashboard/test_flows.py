"""The flows section: the list with switches and last runs, a flow's versions, editor (errors
at their lines), publishing, dry runs, the runs list (failed inbox) and a run's page with its
retry / skip / cancel / approve buttons."""

import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soloops.automation.models import Event, Flow, FlowRun, FlowVersion, RunStatus
from soloops.automation.services import flow_save
from soloops.orders.services import order_place
from tests.automation.conftest import SYSTEM, publish, reload, start
from tests.factories import draft, make_variant

LOG_FLOW = """\
name: Log placed orders
trigger: {event: order.placed}
steps:
  - do: log
    with: {message: "Order {{ order.number }} was placed"}
"""

MANUAL = """\
name: Say hello
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: hello}
"""

# A step that fails on its only attempt, so the run lands in the failed inbox at once.
FAILING = """\
name: Flaky job
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: first}
  - do: probe.write
    with: {name: flaky, fail_times: 9}
    retry: {attempts: 1}
  - do: probe.write
    with: {name: last}
"""

WAITING = """\
name: Wait a day
trigger: {manual: true}
steps:
  - wait: 1d
  - do: probe.write
    with: {name: later}
"""

APPROVE = """\
name: Ask first
trigger: {manual: true}
steps:
  - approve: {message: "Refund {{ trigger.manual.amount }}?"}
    on_reject:
      - do: probe.write
        with: {name: told-no}
  - do: probe.write
    with: {name: refunded}
"""

REVIEW = """\
name: Review big orders
trigger: {event: order.placed}
if: len(lines) > 0
steps:
  - if: order.total > 20
    then:
      - do: order.hold
        with: {order: "{{ order.number }}", reason: "Total {{ order.total }}"}
    else:
      - do: order.accept
        with: {order: "{{ order.number }}"}
"""


def page(response) -> str:
    return response.content.decode()


def dry_report(html: str) -> str:
    """The dry run's report on a page (the page also shows the source and every action)."""
    found = re.search(r'<section class="dry-report".*?</section>', html, re.S)
    assert found, html
    return found.group(0)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def queries_for(client, url: str) -> int:
    client.get(url)  # warm what every page caches (the shop profile), so only the page counts
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def settle(run_after_commit):
    """Run every queued task (dispatch, advance) until none is left, in the test's transaction."""
    return run_after_commit


@pytest.fixture
def probe_dir():
    """The directory the probe actions count calls in, empty for this test."""
    path = Path(settings.PROBE_DIR)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def failed_run(settle, probe_dir):
    run = start(publish(FAILING))
    settle()
    run = reload(run)
    assert run.status == RunStatus.FAILED
    return run


@pytest.fixture
def placed_order(settle):
    """An order of 30.00 placed through the service, and its order.placed event."""
    make_variant("POSTER-1", price="30.00", stock=10)
    order, _ = order_place(draft=draft(("POSTER-1", 1)), channel="api", actor=SYSTEM)
    settle()
    event = Event.objects.get(type="order.placed", subject_id=str(order.pk))
    return order, event


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_each_flow_with_trigger_version_switch_and_last_run(
    owner_client, failed_run
):
    # given a failed manual flow and an event flow that never ran
    publish(LOG_FLOW)

    # when the owner opens the flows
    response = owner_client.get(reverse("dashboard:flows"))

    # then each flow is there with what starts it, its version, a switch and its last run
    html = page(response)
    assert response.status_code == 200
    assert "Flaky job" in html and "Log placed orders" in html
    assert "event order.placed" in html
    assert "started by hand" in html
    assert "version 1" in html
    assert html.count('role="switch"') == 2
    assert 'class="badge failed"' in html
    assert f'href="{reverse("dashboard:runs")}?flow=flaky-job"' in html
    assert "no runs yet" in html


def test_the_owner_switches_a_flow_off_and_on(owner_client, db):
    # given a published flow, on
    flow = publish(LOG_FLOW)
    url = reverse("dashboard:flow_switch", args=[flow.key])

    # when the owner switches it off
    response = owner_client.post(url, {"enabled": "off", "next": "/flows/"}, follow=True)

    # then it is off, and the page says what that means
    assert not Flow.objects.get(pk=flow.pk).enabled
    assert "starts no new runs" in page(response)
    assert Event.objects.filter(type="flow.disabled").count() == 1

    # and back on
    owner_client.post(url, {"enabled": "on"})
    assert Flow.objects.get(pk=flow.pk).enabled


def test_staff_see_no_switch_and_a_forged_switch_is_refused(staff_client, db):
    # given a flow that is on
    flow = publish(LOG_FLOW)

    # when staff look at the list, and then post the switch anyway
    listing = page(staff_client.get(reverse("dashboard:flows")))
    response = staff_client.post(
        reverse("dashboard:flow_switch", args=[flow.key]), {"enabled": "off"}
    )

    # then they saw no switch, were refused, and nothing changed
    assert 'role="switch"' not in listing
    assert response.status_code == 403
    assert Flow.objects.get(pk=flow.pk).enabled
    assert not Event.objects.filter(type="flow.disabled").exists()


def test_an_empty_list_says_where_flows_come_from(owner_client):
    html = page(owner_client.get(reverse("dashboard:flows")))

    assert "soloops init" in html
    assert reverse("dashboard:flow_new") in html


# --- the flow page and its editor -----------------------------------------------------------


def test_the_flow_page_shows_versions_source_actions_and_runs(viewer_client, failed_run):
    # given a failed run of a flow
    flow = failed_run.flow

    # when a viewer opens the flow
    response = viewer_client.get(reverse("dashboard:flow", args=[flow.key]))

    # then they read its source with line numbers, its versions, the actions and its runs,
    # but get no editor
    html = page(response)
    assert response.status_code == 200
    assert 'id="vL5"' in html and "fail_times: 9" in html
    assert "published" in html
    assert "probe.write" in html and "Outside effect" in html
    assert reverse("dashboard:run", args=[failed_run.pk]) in html
    assert "<textarea" not in html
    assert "Publish version" not in html


def test_an_unknown_action_is_shown_at_its_line_and_nothing_is_saved(owner_client, db):
    # given a published flow
    flow = publish(LOG_FLOW)
    broken = LOG_FLOW.replace("do: log", "do: order.explode")
    before = row_counts()

    # when the owner saves a version that calls an action that does not exist
    response = owner_client.post(
        reverse("dashboard:flow_edit", args=[flow.key]), {"source": broken, "intent": "save"}
    )

    # then the problem is shown beside line 4, listed with its path, and nothing was saved
    html = page(response)
    assert response.status_code == 400
    line = re.search(r'<li id="eL4" class="has-problem">(.*?)</li>', html, re.S)
    assert line, html
    assert "order.explode" in line.group(1)
    assert "unknown action" in line.group(1)
    assert "steps[0].do" in html
    assert "Nothing was saved." in html
    assert row_counts() == before
    assert FlowVersion.objects.filter(flow=flow).count() == 1
    # the editor keeps the text to fix
    assert "do: order.explode" in html


def test_broken_yaml_is_shown_at_its_line_when_validating(owner_client, db):
    flow = publish(LOG_FLOW)
    broken = LOG_FLOW.replace("with: {message", "with: {message: [")

    response = owner_client.post(
        reverse("dashboard:flow_edit", args=[flow.key]), {"source": broken, "intent": "validate"}
    )

    html = page(response)
    line = re.search(r'<li id="eL5" class="has-problem">(.*?)</li>', html, re.S)
    assert line, html
    assert "not valid YAML" in line.group(1)
    assert FlowVersion.objects.filter(flow=flow).count() == 1


def test_validate_through_htmx_answers_with_the_problems_only(owner_client, db):
    flow = publish(LOG_FLOW)
    url = reverse("dashboard:flow_edit", args=[flow.key])

    broken = owner_client.post(
        url,
        {"source": LOG_FLOW.replace("trigger:", "triger:"), "intent": "validate"},
        headers={"HX-Request": "true"},
    )
    fine = owner_client.post(
        url, {"source": LOG_FLOW, "intent": "validate"}, headers={"HX-Request": "true"}
    )

    assert broken.status_code == 200
    assert page(broken).lstrip().startswith('<div id="check"')
    assert 'id="eL2" class="has-problem"' in page(broken)
    assert "No problems" in page(fine)
    assert "<html" not in page(fine)


def test_a_valid_save_makes_the_next_version_unpublished(owner_client, owner, db):
    # given a flow at version 1
    flow = publish(LOG_FLOW)
    changed = LOG_FLOW.replace("was placed", "came in")

    # when the owner saves the changed text
    response = owner_client.post(
        reverse("dashboard:flow_edit", args=[flow.key]),
        {"source": changed, "intent": "save"},
        follow=True,
    )

    # then version 2 exists, by her, and version 1 is still the published one
    version = FlowVersion.objects.get(flow=flow, number=2)
    assert version.source == changed
    assert version.created_by == owner.username
    assert Flow.objects.get(pk=flow.pk).published_version.number == 1
    html = page(response)
    assert "Saved version 2" in html
    assert "Publish version 2" in html


def test_publishing_says_runs_already_started_finish_on_their_version(
    owner_client, settle, probe_dir
):
    # given a run of version 1 waiting a day, and a saved version 2
    flow = publish(WAITING)
    run = start(flow)
    settle()
    assert reload(run).status == RunStatus.WAITING
    flow_save(source=WAITING.replace("1d", "2d"), key=flow.key, actor=SYSTEM)

    # when the owner publishes version 2 (the button says what happens to runs in flight)
    html = page(owner_client.get(reverse("dashboard:flow", args=[flow.key])))
    assert "runs already started finish on version 1" in html
    response = owner_client.post(
        reverse("dashboard:flow_publish", args=[flow.key]), {"version": 2}, follow=True
    )

    # then new runs start on 2; the waiting run stays on 1, and its page says so
    assert Flow.objects.get(pk=flow.pk).published_version.number == 2
    assert "Runs already started finish on version 1" in page(response)
    assert reload(run).version.number == 1
    run_page = page(owner_client.get(reverse("dashboard:run", args=[run.pk])))
    assert "not the published one" in run_page


def test_staff_may_not_edit_or_publish(staff_client, db):
    flow = publish(LOG_FLOW)
    flow_save(source=LOG_FLOW.replace("placed", "in"), key=flow.key, actor=SYSTEM)

    edit = staff_client.post(
        reverse("dashboard:flow_edit", args=[flow.key]), {"source": LOG_FLOW, "intent": "save"}
    )
    published = staff_client.post(
        reverse("dashboard:flow_publish", args=[flow.key]), {"version": 2}
    )

    assert (edit.status_code, published.status_code) == (403, 403)
    assert FlowVersion.objects.filter(flow=flow).count() == 2
    assert Flow.objects.get(pk=flow.pk).published_version.number == 1


def test_the_owner_writes_a_new_flow_from_the_starter(owner_client, db):
    # given the new-flow editor with its starter document
    starter = page(owner_client.get(reverse("dashboard:flow_new")))
    assert "My new flow" in starter

    # when she saves it with her own name
    source = LOG_FLOW.replace("Log placed orders", "Note every order")
    response = owner_client.post(
        reverse("dashboard:flow_new"), {"source": source, "intent": "save"}
    )

    # then the flow exists at version 1, unpublished
    flow = Flow.objects.get(key="note-every-order")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:flow", args=[flow.key])
    assert flow.published_version is None
    assert flow.versions.count() == 1


def test_a_new_flow_never_adds_a_version_to_an_existing_one(owner_client, db):
    publish(LOG_FLOW)

    response = owner_client.post(
        reverse("dashboard:flow_new"), {"source": LOG_FLOW, "intent": "save"}
    )

    assert response.status_code == 400
    assert "exists already" in page(response)
    assert FlowVersion.objects.count() == 1


def test_a_new_flow_with_an_error_is_shown_at_its_line_and_not_created(owner_client, db):
    broken = LOG_FLOW.replace("trigger: {event: order.placed}", "trigger: {event: order.placed")

    response = owner_client.post(
        reverse("dashboard:flow_new"), {"source": broken, "intent": "save"}
    )

    assert response.status_code == 400
    assert 'class="has-problem"' in page(response)
    assert "not valid YAML" in page(response)
    assert not Flow.objects.exists()


def test_staff_start_a_manual_flow_by_hand(staff_client, probe_dir):
    flow = publish(MANUAL)

    response = staff_client.post(reverse("dashboard:flow_start", args=[flow.key]))

    run = FlowRun.objects.get(flow=flow)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:run", args=[run.pk])
    assert run.trigger["by"] == "sam"


# --- dry runs -------------------------------------------------------------------------------


def test_a_dry_run_shows_the_path_and_rendered_inputs_and_changes_nothing(
    owner_client, placed_order
):
    # given a flow saved for big orders and a past order.placed event
    order, event = placed_order
    flow = publish(REVIEW)
    before, mails = row_counts(), len(mail.outbox)

    # the flow page offers the past event to try
    html = page(owner_client.get(reverse("dashboard:flow", args=[flow.key])))
    assert f'<option value="{event.pk}">{order.number} · ' in html

    # when the owner dry-runs version 1 against it
    response = owner_client.post(
        reverse("dashboard:flow_dry_run", args=[flow.key]),
        {"version": "1", "event": str(event.pk), "source": REVIEW},
    )

    # then she sees the path taken and each step's rendered input and effect
    assert response.status_code == 200
    html = dry_report(page(response))
    assert "This event would start the flow." in html
    assert "condition true" in html
    assert "order.hold" in html and "order.accept" not in html
    assert f"&quot;order&quot;: &quot;{order.number}&quot;" in html
    assert "Total 30.00" in html
    # and nothing happened
    assert row_counts() == before
    assert len(mail.outbox) == mails


def test_the_owner_dry_runs_the_unsaved_text_in_the_editor(owner_client, placed_order):
    _order, event = placed_order
    flow = publish(REVIEW)
    unsaved = REVIEW.replace("order.total > 20", "order.total > 100")
    before = row_counts()

    response = owner_client.post(
        reverse("dashboard:flow_dry_run", args=[flow.key]),
        {"version": "editor", "event_id": event.pk, "source": unsaved},
        headers={"HX-Request": "true"},
    )

    assert page(response).lstrip().startswith('<div id="dry-run"')
    html = dry_report(page(response))
    assert "What the text in the editor would do" in html
    assert "order.accept" in html and "order.hold" not in html
    assert row_counts() == before


def test_a_viewer_may_dry_run_a_saved_version_but_not_the_editor_text(viewer_client, placed_order):
    _order, event = placed_order
    flow = publish(REVIEW)

    saved = viewer_client.post(
        reverse("dashboard:flow_dry_run", args=[flow.key]), {"version": "1", "event": event.pk}
    )
    editor = viewer_client.post(
        reverse("dashboard:flow_dry_run", args=[flow.key]),
        {"version": "editor", "event": event.pk, "source": REVIEW},
    )

    assert saved.status_code == 200
    assert "order.hold" in dry_report(page(saved))
    assert editor.status_code == 400


def test_a_dry_run_needs_an_event_for_an_event_flow(owner_client, db):
    flow = publish(REVIEW)

    missing = owner_client.post(
        reverse("dashboard:flow_dry_run", args=[flow.key]), {"version": "1"}
    )
    unknown = owner_client.post(
        reverse("dashboard:flow_dry_run", args=[flow.key]), {"version": "1", "event_id": 999999}
    )

    assert missing.status_code == 400
    assert "Choose a past event" in page(missing)
    assert unknown.status_code == 400
    assert "no event 999999" in page(unknown)


# --- runs -----------------------------------------------------------------------------------


def test_the_failed_inbox_lists_only_failed_runs(viewer_client, failed_run, settle):
    # given a failed run and a completed one
    done = start(publish(MANUAL))
    settle()
    assert reload(done).status == RunStatus.COMPLETED

    # when the failed runs are listed (Today links here with exactly this address)
    response = viewer_client.get(reverse("dashboard:runs") + "?status=failed")

    # then only the failed run is there
    html = page(response)
    assert "Failed runs" in html
    assert reverse("dashboard:run", args=[failed_run.pk]) in html
    assert reverse("dashboard:run", args=[done.pk]) not in html

    # and a flow filter shows that flow's runs
    by_flow = page(viewer_client.get(reverse("dashboard:runs") + "?flow=say-hello"))
    assert reverse("dashboard:run", args=[done.pk]) in by_flow
    assert reverse("dashboard:run", args=[failed_run.pk]) not in by_flow


def test_a_bad_filter_is_shown_beside_its_field(viewer_client, db):
    response = viewer_client.get(reverse("dashboard:runs") + "?status=exploded")

    assert response.status_code == 200
    assert "Select a valid choice" in page(response)


def test_the_run_page_shows_every_step_with_its_error(viewer_client, failed_run):
    response = viewer_client.get(reverse("dashboard:run", args=[failed_run.pk]))

    html = page(response)
    assert response.status_code == 200
    # each step by its place, counted as people count, not as the document's path
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Step 1" in text and "Step 2" in text
    assert "steps[" not in text
    assert "fails on purpose" in html
    assert "&quot;name&quot;: &quot;flaky&quot;" in html
    assert "Flaky job" in html and "version 1" in html
    # a viewer sees no buttons
    assert "Retry the step" not in html
    assert "Cancel the run" not in html


@pytest.mark.parametrize("verb", ["retry", "skip", "cancel"])
def test_a_viewer_cannot_forge_a_run_action(viewer_client, failed_run, verb):
    response = viewer_client.post(reverse("dashboard:run_act", args=[failed_run.pk, verb]))

    assert response.status_code == 403
    assert reload(failed_run).status == RunStatus.FAILED


def test_staff_retry_a_failed_run(staff_client, failed_run):
    # given the failed run's page with its buttons
    html = page(staff_client.get(reverse("dashboard:run", args=[failed_run.pk])))
    assert "Retry the step" in html and "Skip the step" in html and "Cancel the run" in html
    assert "data-confirm=" in html

    # when staff retry it
    response = staff_client.post(
        reverse("dashboard:run_act", args=[failed_run.pk, "retry"]), follow=True
    )

    # then it is going again, from the failed step, and the page says so
    assert reload(failed_run).status == RunStatus.RUNNING
    assert "will try step 2 again" in page(response)
    assert Event.objects.filter(type="flow_run.retried").count() == 1


def test_staff_skip_the_failed_step_and_the_run_goes_on(staff_client, failed_run, settle):
    response = staff_client.post(
        reverse("dashboard:run_act", args=[failed_run.pk, "skip"]), follow=True
    )
    settle()

    assert "Skipped step 2" in page(response)
    run = reload(failed_run)
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(key="1").status == "skipped"


def test_staff_cancel_a_failed_run(staff_client, failed_run):
    response = staff_client.post(
        reverse("dashboard:run_act", args=[failed_run.pk, "cancel"]), follow=True
    )

    assert "Cancelled run" in page(response)
    assert reload(failed_run).status == RunStatus.CANCELLED


def test_an_illegal_action_is_refused_with_the_reason(staff_client, failed_run):
    staff_client.post(reverse("dashboard:run_act", args=[failed_run.pk, "cancel"]))

    response = staff_client.post(
        reverse("dashboard:run_act", args=[failed_run.pk, "retry"]), follow=True
    )

    assert "Nothing changed" in page(response)
    assert "cannot be retried" in page(response)
    assert reload(failed_run).status == RunStatus.CANCELLED


@pytest.mark.parametrize(("verb", "path"), [("approve", "refunded"), ("reject", "told-no")])
def test_staff_answer_an_approve_step_with_a_note(staff_client, settle, probe_dir, verb, path):
    # given a run asking for a decision
    run = start(publish(APPROVE), amount=120)
    settle()
    html = page(staff_client.get(reverse("dashboard:run", args=[run.pk])))
    assert "Refund 120?" in html and "Approve" in html and "Reject" in html

    # when staff answer with a note
    staff_client.post(reverse("dashboard:run_act", args=[run.pk, verb]), {"note": "checked"})
    settle()

    # then the run followed the answer, with the note on the step
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    step = run.steps.get(key="0")
    assert step.output["approved"] is (verb == "approve")
    assert step.output["note"] == "checked"
    assert path in str(list(run.steps.values_list("input", flat=True)))


def test_a_missing_run_or_flow_is_404(viewer_client, db):
    assert viewer_client.get(reverse("dashboard:run", args=[424242])).status_code == 404
    assert viewer_client.get(reverse("dashboard:flow", args=["nope"])).status_code == 404


# --- query counts ---------------------------------------------------------------------------


def test_the_pages_cost_the_same_queries_for_few_and_many_rows(owner_client, settle, probe_dir):
    # given one flow with one run
    flow = publish(MANUAL)
    first = start(flow)
    settle()
    urls = {
        "list": reverse("dashboard:flows"),
        "flow": reverse("dashboard:flow", args=[flow.key]),
        "runs": reverse("dashboard:runs"),
        "failed": reverse("dashboard:runs") + "?status=failed",
        "run": reverse("dashboard:run", args=[first.pk]),
    }
    few = {name: queries_for(owner_client, url) for name, url in urls.items()}

    # when there are many flows, versions and runs
    for n in range(12):
        other = publish(MANUAL.replace("Say hello", f"Say hello {n}"))
        start(other)
        flow_save(source=MANUAL.replace("hello}", f"hello{n}}}"), key=flow.key, actor=SYSTEM)
    for _ in range(60):
        start(flow)
    settle()
    many = {name: queries_for(owner_client, url) for name, url in urls.items()}

    # then every page makes the same, small number of queries
    assert many == few
    assert FlowRun.objects.count() > 70
    # (session and user, then: list 1 query; flow 3 or 4 (flow, versions, shown version,
    # events of its trigger, runs); runs 2 (flows for the filter, runs); run 2 (run, steps))
    assert max(few.values()) <= 8, few


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_flow_list_is_sorted_by_the_name_the_reader_sees(owner, language):
    # given the shipped flows, and an owner who reads the console in this language
    from django.utils import translation

    from soloops.automation.services import flows_install_defaults
    from tests.dashboard.conftest import client_for

    flows_install_defaults(actor=SYSTEM)
    owner.language = language
    owner.save(update_fields=["language"])

    # when
    html = page(client_for(owner).get(reverse("dashboard:flows")))

    # then the rows follow the displayed (translated) names
    shown = re.findall(r'<tr id="flow-([\w-]+)">\s*<td><a [^>]*>([^<]+)</a>', html)
    with translation.override(language):
        names = {f.key: f.display_name for f in Flow.objects.all()}
    assert [key for key, _name in shown] == sorted(names, key=lambda k: names[k].casefold())
    assert len(shown) == Flow.objects.count() > 5
