"""Recommendations in a real browser: the product page's "Often bought together" and the
customer page's suggested products, at desktop and phone width, in English and Chinese,
without sideways scrolling (screenshots for people)."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from soloops.accounts.services import user_create
from soloops.catalog.services import product_create, variant_create
from soloops.inventory.models import Location, MovementKind
from soloops.inventory.services import stock_change
from soloops.marketing.services import recommendations_recompute
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import SYSTEM, draft

PASSWORD = "correct horse battery staple 42"
WIDE = {"width": 1366, "height": 900}
PRODUCTS = {
    "DRIP": ("Ceramic Pour-Over Dripper", "29.00"),
    "FILTER": ("Paper Filters No. 2, a hundred of them in a recycled box", "6.50"),
    "KETTLE": ("Gooseneck Kettle", "59.00"),
    "TEA": ("Loose-Leaf Sencha", "12.00"),
    "POT": ("Cast-Iron Teapot", "48.00"),
}


@pytest.fixture
def shop(transactional_db):
    cache.clear()
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"hold_at_score": 10_000, "reject_at_score": 20_000}
    )
    cache.clear()
    for sku, (name, price) in PRODUCTS.items():
        product = product_create(name=name, slug=sku.lower(), actor=SYSTEM)
        variant = variant_create(product=product, sku=sku, price=Decimal(price), actor=SYSTEM)
        stock_change(variant=variant, quantity=100, kind=MovementKind.RECEIPT, actor=SYSTEM)
    user_create(
        username="olivia", email="olivia@example.com", password=PASSWORD, role="owner",
        actor=SYSTEM,
    )  # fmt: skip
    baskets = [("DRIP", "FILTER")] * 4 + [("DRIP", "KETTLE")] * 2 + [("TEA", "POT")] * 3
    for n, skus in enumerate(baskets):
        _order(f"buyer{n}@example.com", skus)
    ada = _order("ada@example.com", ("TEA",)).customer
    recommendations_recompute(actor=SYSTEM)
    return ada


def _order(email, skus):
    order, _ = order_place(
        draft=draft(*[(sku, 1) for sku in skus], email=email), channel="manual", actor=SYSTEM
    )
    return order


def fits(page, what: str) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, what


@pytest.mark.parametrize(("viewport", "label"), [(WIDE, "1366"), (PHONE, "390")])
@pytest.mark.parametrize(
    ("locale", "heading"), [("en-GB", "Often bought together"), ("zh-CN", "经常一起购买")]
)
def test_the_product_page_shows_what_is_bought_with_it(
    shop, new_page, viewport, label, locale, heading
):
    page = new_page(viewport=viewport, locale=locale)

    # when
    page.goto("/shop/p/drip/")

    # then the filters come first, and a click leads to their page
    block = page.locator("section.shop-together")
    assert block.get_by_role("heading").inner_text() == heading
    links = block.get_by_role("link")
    assert links.first.inner_text().startswith("Paper Filters No. 2")
    fits(page, "product page")
    screenshot(page, f"recommend-product-{label}-{locale[:2]}")
    links.first.click()
    page.wait_for_url("**/shop/p/filter/")


@pytest.mark.parametrize(("viewport", "language"), [(WIDE, "en"), (PHONE, "zh-hans")])
def test_the_customer_page_suggests_products(shop, new_page, viewport, language):
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)
    if page.locator("#language").input_value() != language:
        with page.expect_navigation():
            page.select_option("#language", language)

    # when
    page.goto(f"/customers/{shop.pk}/")

    # then the teapot is suggested to the tea buyer, with why
    block = page.locator("section.customer-suggestions")
    items = block.locator("li")
    assert items.first.get_by_role("link").inner_text() == "Cast-Iron Teapot"
    assert "Loose-Leaf Sencha" not in block.inner_text()
    fits(page, "customer page")
    width = "phone" if viewport is PHONE else "wide"
    screenshot(page, f"recommend-customer-{width}-{language}")
