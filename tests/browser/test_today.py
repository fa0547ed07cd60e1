"""Today and Decisions in a real browser: the owner finds a held order on Today, reads why it
was held, accepts it and sees it on the timeline with her name; both pages at desktop and
phone widths."""

from django.core.cache import cache

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.dashboard.builders import held_order, place, purchase_order_draft
from tests.factories import make_variant

PASSWORD = "correct horse battery staple 42"


def make_owner(username: str = "olivia"):
    return user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )


def test_the_owner_accepts_a_held_order_from_today(page):
    # given an owner and an order the review held (a first order over 500)
    cache.clear()
    make_owner()
    order = held_order()

    # when she logs in, she sees the held order on Today
    log_in(page, "olivia", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Today"
    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for you"))
    assert "First order with a total of" in waiting.inner_text()
    assert page.locator('[data-tile="on-hold"] .figure').inner_text() == "1"

    # and opens it, and reads the risk reasons
    waiting.get_by_role("link", name=order.number).click()
    page.wait_for_url(f"**/orders/{order.number}/")
    assert page.get_by_text("First order with a total of").first.is_visible()

    # and accepts it, confirming the question
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Accept", exact=True).click()
    page.wait_for_load_state()

    # then the page says so and the timeline shows order.accepted by her
    timeline = page.locator("ol.timeline")
    accepted = timeline.locator("li", has=page.locator("code", has_text="order.accepted"))
    assert accepted.count() == 1
    assert "olivia" in accepted.inner_text()
    order.refresh_from_db()
    assert order.status == "accepted"


def test_today_and_decisions_at_desktop_and_phone_widths(new_page):
    # given a shop with orders today, one held, and a purchase order draft
    cache.clear()
    make_owner()
    make_variant("MUG-1", price="12.50", stock=100)
    for _ in range(3):
        place("MUG-1")
    held_order()
    purchase_order_draft("INK-1", "Paper Co")

    for name, viewport in [("desktop", None), ("phone", PHONE)]:
        page = new_page(viewport=viewport)
        log_in(page, "olivia", PASSWORD)

        # when she opens Today, the chart is drawn and its table folds away
        page.goto("/")
        page.locator('[data-chart="revenue"] canvas').wait_for(state="visible")
        assert page.locator("details.chart-table").first.get_attribute("open") is None
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], "Today scrolls sideways"
        screenshot(page, f"today-{name}")

        # and Decisions lists what waits, each with its buttons
        page.goto("/decisions/")
        assert page.get_by_role("button", name="Accept").count() == 1
        assert page.get_by_role("button", name="Send to supplier").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], "Decisions scrolls sideways"
        screenshot(page, f"decisions-{name}")
