"""The flows section in a real browser: editing a flow with an error shown at its line, a dry
run against a past event, publishing; and the pages at desktop and phone widths."""

import re

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.automation.models import Event, Flow, RunStatus
from soloops.automation.services import flow_import
from soloops.automation.services.runs import flow_run_start_manual
from soloops.orders.services import order_place
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import draft, make_variant

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")

FLOW = """\
name: Note placed orders
description: Write a line in the run's log for every order placed.
trigger: {event: order.placed}
steps:
  - do: log
    with: {message: "Order {{ order.number }} was placed"}
"""

FAILING = """\
name: Flaky job
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: first}
  - do: probe.write
    with: {name: flaky, fail_times: 9}
    retry: {attempts: 1}
"""


def test_the_owner_fixes_an_error_dry_runs_publishes_and_sees_the_new_version(new_page, run_tasks):
    # given an owner, a published flow and an order placed earlier (its order.placed event)
    user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=SYSTEM,
    )
    flow = flow_import(source=FLOW, actor=SYSTEM)
    make_variant("POSTER-1", price="30.00", stock=10)
    order, _ = order_place(draft=draft(("POSTER-1", 1)), channel="api", actor=SYSTEM)
    event = Event.objects.get(type="order.placed", subject_id=str(order.pk))
    # and a run that failed, for the run page
    failing = flow_import(source=FAILING, actor=SYSTEM)
    run = flow_run_start_manual(flow=failing, inputs={}, actor=SYSTEM)
    run_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED

    page = new_page()
    log_in(page, "olivia", PASSWORD)

    # when she opens the flows and then the flow
    page.goto("/flows/")
    assert page.get_by_role("heading", level=1).inner_text() == "Flows"
    screenshot(page, "flows-desktop")
    page.get_by_role("link", name="Note placed orders").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Note placed orders"

    # and introduces an error (an action that does not exist, on line 5) and validates
    page.locator("textarea").fill(FLOW.replace("do: log", "do: log.shout"))
    page.get_by_role("button", name="Validate").click()

    # then the error is shown beside line 5, and listed with its path
    marked = page.locator("#check li.has-problem")
    marked.first.wait_for()
    assert marked.count() == 1
    assert marked.get_attribute("id") == "eL5"
    assert "unknown action 'log.shout'" in marked.inner_text()
    assert "steps[0].do" in page.locator("#check ul.problems").inner_text()
    screenshot(page, "flow-desktop")

    # when she fixes it and validates again
    fixed = FLOW.replace("was placed", "came in, total {{ order.total }}")
    page.locator("textarea").fill(fixed)
    page.get_by_role("button", name="Validate").click()
    page.get_by_text("No problems: the document is valid.").wait_for()

    # and dry-runs the text against the past order's event
    events_before = Event.objects.count()
    page.get_by_label("Recent event").select_option(str(event.pk))
    page.get_by_role("button", name="Dry run").click()

    # then she sees the path and the rendered input, and nothing was done
    report = page.locator(".dry-report")
    report.wait_for()
    assert "This event would start the flow." in report.inner_text()
    assert f"Order {order.number} came in, total 30.00" in report.inner_text()
    assert Event.objects.count() == events_before
    screenshot(page, "flow-dry-run-desktop")

    # when she saves it as a new version and publishes it
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save as new version").click()
    page.locator("#messages").get_by_text("Saved version 2").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish version 2").first.click()

    # then version 2 is the published one, and the page says runs already started stay on 1
    page.locator("#messages").get_by_text("Published version 2").wait_for()
    assert "Runs already started finish on version 1." in page.locator("#messages").inner_text()
    published_row = page.locator("#versions tbody tr", has=page.locator(".badge.on"))
    assert "version 2" in published_row.inner_text()
    assert Flow.objects.get(pk=flow.pk).published_version.number == 2
    assert "came in" in page.locator("textarea").input_value()

    # and the failed run's page shows its steps and what she can do
    page.goto(f"/runs/{run.pk}/")
    assert "fails on purpose" in page.locator(".run-steps").inner_text()
    assert page.get_by_role("button", name="Retry the step").is_visible()
    screenshot(page, "run-desktop")

    # and every page fits a phone
    phone = new_page(viewport=PHONE)
    log_in(phone, "olivia", PASSWORD)
    for name, url in [
        ("flows-phone", "/flows/"),
        ("flow-phone", f"/flows/{flow.key}/"),
        ("run-phone", f"/runs/{run.pk}/"),
    ]:
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)
        screenshot(phone, name)
    phone.goto(f"/flows/{flow.key}/")
    phone.locator("textarea").fill(FLOW.replace("do: log", "do: log.shout"))
    phone.get_by_role("button", name="Validate").click()
    phone.locator("#check li.has-problem").first.wait_for()
    assert re.search(r"unknown action", phone.locator("#check").inner_text())
    screenshot(phone, "flow-phone")
