"""Every console page on a 390 px phone, in English and in Chinese, with a demo shop's data:
nothing scrolls sideways, every status and every money figure is inside the screen, lists are
cards, the order page leads with its status, total and next step, Today with what is waiting,
and no page asks for something that is not there (the favicon)."""

import pytest
from django.core.cache import cache

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.automation.models import RunStatus
from soloops.automation.services import flow_import
from soloops.automation.services.runs import flow_run_start_manual
from soloops.catalog.models import Supplier
from soloops.demo import demo_load
from soloops.inventory.models import Location, Movement
from soloops.orders.models import Order, OrderStatus
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.dashboard.builders import held_order, purchase_order_draft

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")
APPROVAL = """\
name: Refund above 100
trigger: {manual: true}
steps:
  - approve:
      message: "Refund {{ trigger.manual.amount }} to {{ trigger.manual.who }}?"
      timeout: 2d
    on_reject:
      - do: notify.owner
        with: {subject: "Refund refused"}
  - do: notify.owner
    with: {subject: "Refund {{ trigger.manual.who }}"}
"""

# What must not hide behind a sideways scroll: statuses, money and stock figures, totals.
PROBLEMS_JS = """(width) => {
  const shown = (e) => e.offsetParent !== null && e.getClientRects().length > 0;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  for (const box of document.querySelectorAll("table, .table-wrap")) {
    if (shown(box) && box.scrollWidth > box.clientWidth + 1) {
      problems.push(`a table scrolls sideways: ${box.textContent.trim().slice(0, 40)}`);
    }
  }
  const figures = ".badge, td.num, tfoot td, .order-total, .tile .figure";
  for (const figure of document.querySelectorAll(figures)) {
    const r = figure.getBoundingClientRect();
    if (shown(figure) && (r.left < 0 || r.right > width + 0.5)) {
      problems.push(`outside the screen: ${figure.textContent.trim().slice(0, 30)}`);
    }
  }
  return problems;
}"""


@pytest.fixture
def demo_shop(transactional_db, run_tasks):
    """The demo shop's year of orders (small), one held order, a purchase order draft and a
    run waiting for approval; an owner. Returns the pages to visit, by name."""
    cache.clear()
    # a transactional test flushes what the migrations made, the default location included
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    assert demo_load(orders=300, seed=7, progress=None).loaded
    user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=SYSTEM,
    )
    held = held_order()
    po = purchase_order_draft("INK-1", "Paper Co")
    flow = flow_import(source=APPROVAL, actor=SYSTEM)
    run = flow_run_start_manual(flow=flow, inputs={"amount": 120, "who": "ada"}, actor=SYSTEM)
    run_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_APPROVAL
    accepted = Order.objects.filter(status=OrderStatus.ACCEPTED).latest("placed_at")
    sold = Movement.objects.filter(reference_type="orders.order").latest("id").variant.sku
    buyer = accepted.customer_id
    return {
        "today": "/",
        "orders": "/orders/",
        "order-accepted": f"/orders/{accepted.number}/",
        "order-held": f"/orders/{held.number}/",
        "customers": "/customers/",
        "customer": f"/customers/{buyer}/",
        "decisions": "/decisions/",
        "products": "/products/",
        "sku": f"/products/{sold}/",
        "suppliers": "/suppliers/",
        "supplier": f"/suppliers/{Supplier.objects.order_by('pk').first().pk}/",
        "purchase-orders": "/purchase-orders/",
        "purchase-order": f"/purchase-orders/{po.number}/",
        "flows": "/flows/",
        "flow": f"/flows/{flow.key}/",
        "flow-new": "/flows/new/",
        "runs": "/flows/runs/",
        "run": f"/runs/{run.pk}/",
        "settings": "/settings/",
        "rates": "/settings/rates/",
        "review": "/settings/review/",
        "email": "/settings/email/",
        "users": "/settings/users/",
        "tokens": "/settings/tokens/",
    }


def in_first_screen(locator) -> bool:
    box = locator.bounding_box()
    return (
        box is not None
        and box["x"] >= 0
        and box["x"] + box["width"] <= PHONE["width"]
        and (box["y"] + box["height"] <= PHONE["height"])
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_console_page_fits_a_phone(demo_shop, new_page, language):
    # given the owner on a 390 px phone, in her language
    page = new_page(viewport=PHONE)
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    log_in(page, "olivia", PASSWORD)
    if page.locator("#language").input_value() != language:
        with page.expect_navigation():
            page.select_option("#language", language)

    for name, url in demo_shop.items():
        # when she opens each console page
        page.goto(url)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"phone-{name}-{language}")

        # then nothing scrolls sideways and every status and figure is on the screen
        assert page.evaluate(PROBLEMS_JS, PHONE["width"]) == [], url
    # and no page asked for something missing (the favicon was a 404 on every page)
    assert failed == []


def test_the_owner_reads_an_order_and_the_lists_on_a_phone(demo_shop, new_page):
    page = new_page(viewport=PHONE)
    log_in(page, "olivia", PASSWORD)

    # the orders list: one card per order, its status and total within the first screen
    page.goto(demo_shop["orders"])
    first = page.locator("table.orders tbody tr").first
    assert in_first_screen(first.locator("td.total"))
    assert in_first_screen(first.locator("td.status .badge"))
    # the whole first card, the filters folded behind their button until she opens them
    assert in_first_screen(first)
    filters = page.get_by_role("search", name="Filter orders")
    assert not filters.is_visible()
    page.get_by_role("button", name="Filters").click()
    assert filters.is_visible()
    assert page.get_by_role("button", name="Filters").get_attribute("aria-expanded") == "true"
    screenshot(page, "phone-orders-filters-open")

    # the products list: each card shows the stock figures with their labels
    page.goto(demo_shop["products"])
    card = page.locator("table.stock-list tbody tr").first
    assert card.locator("td.available").is_visible()
    assert card.locator("td.on-hand").is_visible()
    label = "cell => getComputedStyle(cell, '::before').content"
    assert card.locator("td.available").evaluate(label) == '"Available"'
    assert card.locator("td.on-hand").evaluate(label) == '"On hand"'

    # an accepted order leads with its status, its total and "Mark paid", the one blue button
    page.goto(demo_shop["order-accepted"])
    assert in_first_screen(page.locator("h1 .badge"))
    assert in_first_screen(page.locator(".order-total"))
    mark_paid = page.get_by_role("button", name="Mark paid")
    assert in_first_screen(mark_paid)
    # Hold's reason box stays closed until she chooses Hold
    hold = page.locator("details#action-hold")
    assert in_first_screen(hold.locator("summary"))
    assert not hold.get_by_label("Reason").is_visible()
    hold.locator("summary").click()
    assert hold.get_by_label("Reason").is_visible()
    # and the lines' Subtotal and Total read in full
    total_row = page.locator("table.order-lines tfoot tr").last
    assert "Total" in total_row.inner_text()
    assert page.locator(".order-total").inner_text() in total_row.inner_text()

    # Today: what is waiting comes before the tiles, within the first screen
    page.goto(demo_shop["today"])
    waiting = page.get_by_role("heading", name="Waiting for you")
    assert in_first_screen(waiting)
    assert waiting.bounding_box()["y"] < page.locator(".tiles").bounding_box()["y"]
