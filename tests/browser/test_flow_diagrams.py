"""Flow and run diagrams in a real browser: the vendored bpmn-js viewer draws the flow's BPMN,
and on a run's page the finished step is green and the failed one red (read off the SVG)."""

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create, user_set_language
from soloops.automation import bpmn
from soloops.automation.models import RunStatus
from soloops.automation.services import flow_import
from soloops.automation.services.runs import flow_run_start_manual
from tests.automation.test_bpmn import EVERYTHING, SAMPLE
from tests.browser.conftest import PHONE, log_in, screenshot

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")
WIDE = {"width": 1366, "height": 900}

FAILING = """\
name: Flaky job
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: first}
  - do: probe.write
    with: {name: flaky, fail_times: 9}
    retry: {attempts: 1}
  - do: log
    with: {message: never}
"""


def fill_of(page, element_id: str) -> str:
    """The computed fill of the shape drawn for ``element_id`` in the diagram's SVG."""
    return page.locator(
        f'.bpmn-canvas g.djs-element[data-element-id="{element_id}"] .djs-visual > :first-child'
    ).evaluate("e => getComputedStyle(e).fill")


def test_the_flow_and_run_pages_draw_the_diagram_with_the_runs_steps_marked(new_page, run_tasks):
    # given an owner, the sample BPMN process imported as a flow, and a run whose first step
    # finished and whose second failed
    owner = user_create(
        username="olivia", email="o@example.com", password=PASSWORD, role="owner", actor=SYSTEM
    )
    review = flow_import(source=SAMPLE.read_text(), key="review", actor=SYSTEM)
    failing = flow_import(source=FAILING, actor=SYSTEM)
    run = flow_run_start_manual(flow=failing, inputs={}, actor=SYSTEM)
    run_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED

    for language in ("en", "zh-hans"):
        user_set_language(user=owner, language=language, actor=SYSTEM)
        for label, viewport in (("desktop", WIDE), ("phone", PHONE)):
            page = new_page(viewport=viewport)
            log_in(page, "olivia", PASSWORD)

            # when she opens the flow
            page.goto(f"/flows/{review.key}/")
            page.locator('.bpmn-canvas[data-rendered="true"]').wait_for()

            # then its diagram is drawn: the user task, the gateway, both service tasks, unmarked
            svg = page.locator(".bpmn-canvas svg[data-element-id]")
            for element in ("decision", "Step_1", "Step_1_then_0", "Step_1_else_0"):
                assert svg.locator(f'g[data-element-id="{element}"]').count() == 1, element
            assert "order.accept" in svg.text_content()
            assert page.locator(".bpmn-canvas").get_attribute("data-warnings") == "0"
            assert page.locator(".bpmn-canvas .step-done").count() == 0
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            screenshot(page, f"flow-diagram-{label}-{language}")

            # when she opens the run
            page.goto(f"/runs/{run.pk}/")
            page.locator('.bpmn-canvas[data-rendered="true"]').wait_for()

            # then the finished step is green, the failed one red, the one never reached plain
            assert page.locator(".bpmn-canvas").get_attribute("data-warnings") == "0"
            assert fill_of(page, "Step_0") == "rgb(215, 243, 223)"
            assert fill_of(page, "Step_1") == "rgb(253, 226, 225)"
            assert fill_of(page, "Step_2") == "rgb(255, 255, 255)"
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            screenshot(page, f"run-diagram-{label}-{language}")


def test_every_kind_of_step_draws_without_a_warning_from_bpmn_js(new_page):
    # given a flow with every step kind and branch (boundary events, compensation, merges)
    user_create(
        username="olivia", email="o@example.com", password=PASSWORD, role="owner", actor=SYSTEM
    )
    flow = flow_import(source=bpmn.dump_yaml(EVERYTHING), key="everything", actor=SYSTEM)
    page = new_page(viewport=WIDE)
    log_in(page, "olivia", PASSWORD)

    # when its page is opened
    page.goto(f"/flows/{flow.key}/")
    page.locator('.bpmn-canvas[data-rendered="true"]').wait_for()

    # then bpmn-js read all of the exported BPMN, and drew each step's element
    assert page.locator(".bpmn-canvas").get_attribute("data-warnings") == "0"
    for element in bpmn.element_ids(EVERYTHING).values():
        assert page.locator(f'.bpmn-canvas g[data-element-id="{element}"]').count() == 1, element
    screenshot(page, "flow-diagram-everything")
