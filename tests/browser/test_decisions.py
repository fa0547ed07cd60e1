"""One decision per thing to decide, in a real browser against a real ``soloops web``: the
review flow's question about a held order is one card with the order on Today and in
Decisions; accepting the order on its page leaves no stale card and no failed run, once the
real database worker has run too. And a purchase order draft's lines edited on its page.
Screenshots of each page at 1366 and 390 px, in English and Chinese."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from soloops.automation.models import FlowRun, RunStatus
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.test_today import PASSWORD, make_owner
from tests.dashboard.builders import held_order, purchase_order_draft, review_flow

WIDE = {"width": 1366, "height": 900}


def cards(page) -> int:
    return page.locator("ol.decision-queue > li").count()


def failed_runs_tile(page) -> str:
    page.goto("/")
    return page.locator('[data-tile="failed-runs"] .figure').inner_text()


def test_a_held_order_is_one_decision_and_accepting_it_leaves_nothing_stale(new_page, run_tasks):
    # given the review flow asking about a held order (the worker ran), and a draft
    cache.clear()
    make_owner()
    review_flow()
    order = held_order()
    run_tasks()
    run = FlowRun.objects.get()
    assert run.status == RunStatus.AWAITING_APPROVAL
    po = purchase_order_draft("INK-1", "Paper Co")
    page = new_page(viewport=WIDE)
    log_in(page, "olivia", PASSWORD)

    # when she opens Today: two things wait, the order once and the draft
    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for you"))
    items = waiting.locator("ul.waiting > li")
    assert items.count() == 2
    assert items.filter(has_text=order.number).count() == 1
    assert items.filter(has_text=po.number).count() == 1
    assert page.locator('[data-tile="purchase-order-drafts"] .figure').inner_text() == "1"

    # and Decisions: one card for the order (saying it answers the flow too), one for the draft
    page.goto("/decisions/")
    assert cards(page) == 2
    card = page.locator(f'[id="order-{order.number}"]')
    assert "also answers the flow" in card.inner_text()
    assert page.locator(f'[id="approval-{run.pk}"]').count() == 0

    # when she accepts the order on its page
    page.goto(f"/orders/{order.number}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Accept", exact=True).click()
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == "accepted"

    # then Decisions has only the draft left — no stale question — and no run failed
    page.goto("/decisions/")
    assert cards(page) == 1
    assert page.locator(f'[id="purchase_order-{po.number}"]').count() == 1
    assert failed_runs_tile(page) == "0"

    # and once the worker has run, the question is settled, still nothing failed
    run_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(key="0").output["settled"] is True
    assert failed_runs_tile(page) == "0"
    page.goto(reverse("dashboard:run", args=[run.pk]))
    assert "nothing left to decide" in page.content()  # the settled step's note


def test_staff_edit_a_drafts_lines_on_its_page(new_page):
    # given a draft of one SKU at 2.00
    cache.clear()
    make_owner()
    po = purchase_order_draft("INK-1", "Paper Co")
    line = po.lines.get()
    page = new_page(viewport=PHONE)
    log_in(page, "olivia", PASSWORD)

    # when she sets the quantity to 7 and the cost to 1.25 on the phone, and saves
    page.goto(f"/purchase-orders/{po.number}/")
    quantity = page.get_by_label("INK-1 quantity")
    cost = page.get_by_label("INK-1 unit cost")
    for field in (quantity, cost):
        box = field.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], "field off screen"
    quantity.fill("7")
    cost.fill("1.25")
    page.get_by_role("button", name="Save lines").click()
    page.wait_for_load_state()

    # then the page says so, and the line and total are the new ones
    assert f"Lines of {po.number} saved." in page.content()
    line.refresh_from_db()
    po.refresh_from_db()
    assert (line.quantity_ordered, str(line.unit_cost), str(po.total)) == (7, "1.25", "8.75")
    assert page.get_by_label("INK-1 quantity").input_value() == "7"

    # and a bad quantity is refused beside the field, changing nothing
    page.get_by_label("INK-1 quantity").fill("-3")
    page.get_by_role("button", name="Save lines").click()
    page.wait_for_load_state()
    assert "greater than or equal to 0" in page.locator("#edit-lines").inner_text()
    line.refresh_from_db()
    assert line.quantity_ordered == 7


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_screenshots_of_the_changed_pages(new_page, run_tasks, language):
    # given a held order the flow asks about, a plain approval-free draft, a sent order
    cache.clear()
    owner = make_owner()
    owner.language = language
    owner.save(update_fields=["language"])
    review_flow()
    order = held_order()
    run_tasks()
    po = purchase_order_draft("INK-1", "Paper Co")

    for name, viewport in [("1366", WIDE), ("390", PHONE)]:
        page = new_page(viewport=viewport)
        log_in(page, "olivia", PASSWORD)
        for slug, url in [
            ("today", "/"),
            ("decisions", "/decisions/"),
            ("products", "/products/"),
            ("purchase-order-draft", f"/purchase-orders/{po.number}/"),
        ]:
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{slug} scrolls sideways at {name}"
            screenshot(page, f"decisions-branch-{slug}-{name}-{language}")
        # the held order's card and its total are inside the viewport's width
        page.goto("/decisions/")
        box = page.locator(f'[id="order-{order.number}"] header p').first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= viewport["width"]
