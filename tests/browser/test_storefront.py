"""The storefront in a real browser, at desktop and phone width: a customer goes from a
product to the cart, the checkout and the confirmation, meets the errors on the way (more
than is left, a missing field), and no page scrolls sideways or hides its total."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from soloops.catalog.services import product_create, variant_create
from soloops.inventory.models import Location, MovementKind
from soloops.inventory.services import stock_change
from soloops.orders.models import Order, ReviewPolicy, ShippingRate, TaxRate
from soloops.payments.models import Payment
from soloops.shop.services import shop_profile_update
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import SYSTEM

WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def shop(transactional_db):
    """A shop with a T-shirt in two sizes (three small ones left), German shipping and tax,
    and a review that accepts every order."""
    cache.clear()  # a profile cached by an earlier test would make the update below a no-op
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"hold_at_score": 10_000, "reject_at_score": 20_000}
    )
    ShippingRate.objects.create(country="DE", amount=Decimal("4.90"))
    TaxRate.objects.create(country="DE", rate=Decimal("0.19"))
    shop_profile_update(
        actor=SYSTEM,
        name="Harbour Ceramics",
        payment_instructions="Harbour Ceramics GmbH · IBAN DE02 1203 0000 0000 2020 51",
    )
    cache.clear()  # the policy and rate tables are cached (in a cache the web process shares)
    product = product_create(
        name="Harbour T-shirt with an exceptionally long name for a small screen",
        slug="harbour-tee",
        description="Organic cotton, printed in Hamburg.",
        actor=SYSTEM,
    )
    small = variant_create(
        product=product, sku="TEE-S", name="Small", price=Decimal("20.00"), actor=SYSTEM
    )
    large = variant_create(
        product=product, sku="TEE-L", name="Large", price=Decimal("22.00"), actor=SYSTEM
    )
    stock_change(variant=small, quantity=3, kind=MovementKind.RECEIPT, actor=SYSTEM)
    stock_change(variant=large, quantity=10, kind=MovementKind.RECEIPT, actor=SYSTEM)
    return product


def fits(page, what: str, total: str | None = None) -> None:
    """No sideways scrolling, and the total (when named) lies inside the viewport's width."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, what
    if total:
        box = page.locator(total).bounding_box()
        assert box is not None, f"{what}: {total} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (what, box)


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_customer_orders_from_product_to_confirmation(shop, new_page, viewport, label):
    page = new_page(viewport=viewport)

    # given the shop's front page
    page.goto("/shop/")
    fits(page, "products")
    page.get_by_role("link", name=re.compile("^View")).first.click()
    page.wait_for_url("**/shop/p/harbour-tee/")
    fits(page, "product")

    # when she asks for more small shirts than are left, she is told beside the quantity
    page.get_by_label("Small").check()
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    error = page.locator("#id_quantity_error")
    assert error.inner_text() == "Only 3 left in stock."
    assert error.is_visible()
    fits(page, "product with an error")

    # and two fit
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/shop/cart/")
    subtotal = page.locator("#cart-totals dd.total")
    assert subtotal.inner_text() == "€40.00"

    # when she changes the quantity, the subtotal follows without a click
    page.get_by_label("Quantity").fill("3")
    page.get_by_label("Quantity").dispatch_event("change")
    expect(page.locator("#cart-totals dd.total")).to_have_text("€60.00")
    assert page.locator("#cart-link .badge").inner_text() == "3"
    fits(page, "cart", "#cart-totals dd.total")
    screenshot(page, f"storefront-cart-{label}")

    # then at checkout, choosing Germany shows shipping, tax and the total before ordering
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url("**/shop/checkout/")
    assert page.locator("#checkout-total").inner_text() == "—"
    page.get_by_label("Country").select_option(label="Germany")
    # 60.00 + 4.90 + 19 % of 64.90 (12.33) = 77.23
    expect(page.locator("#checkout-total")).to_have_text("€77.23")
    fits(page, "checkout", "#checkout-total")
    screenshot(page, f"storefront-checkout-{label}")

    # and a missing field is said beside it, with what she typed kept
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Street and number").fill("Hafenstraße 1")
    page.get_by_label("Postal code").fill("20457")
    page.get_by_role("button", name="Place order").click()
    city_error = page.locator("#id_city_error")
    city_error.wait_for()
    assert city_error.inner_text() == "This field is required."
    assert page.get_by_label("Email").input_value() == "ada@example.com"
    assert page.locator("#checkout-total").inner_text() == "€77.23"
    assert Order.objects.count() == 0
    fits(page, "checkout with an error", "#checkout-total")
    screenshot(page, f"storefront-checkout-error-{label}")

    page.get_by_label("City").fill("Hamburg")
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/shop/orders/**")

    # then the confirmation says how to pay, with the total in view
    order = Order.objects.get()
    assert order.total == Decimal("77.23")
    assert order.shipping_address["country"] == "DE"
    assert order.number in page.get_by_role("heading", level=1).inner_text()
    pay = page.locator(".shop-pay").inner_text()
    assert "€77.23" in pay and order.number in pay and "IBAN DE02" in pay
    assert page.get_by_role("heading", name="What happens next").is_visible()
    assert "Germany" in page.locator("address").inner_text()
    assert Payment.objects.get().provider == "manual"
    fits(page, "confirmation", "#order-total")
    screenshot(page, f"storefront-confirmation-{label}")


@pytest.mark.parametrize(("viewport", "label"), [(WIDE, "1366"), (PHONE, "390")])
@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_every_storefront_page_fits_the_screen(shop, new_page, viewport, label, locale):
    # given a cart with a shirt, for a shop whose prices include tax, paid by card afterwards
    shop_profile_update(actor=SYSTEM, prices_include_tax=True)
    page = new_page(viewport=viewport, locale=locale)
    name = f"{label}-{locale[:2]}"
    page.goto("/shop/")
    fits(page, "products")
    screenshot(page, f"storefront-products-{name}")
    page.goto("/shop/p/harbour-tee/")
    fits(page, "product")
    screenshot(page, f"storefront-product-{name}")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url("**/shop/cart/")
    fits(page, "cart", "#cart-totals dd.total")
    screenshot(page, f"storefront-cartpage-{name}")
    page.goto("/shop/checkout/")
    page.locator("#id_country").select_option("DE")
    # prices include tax: the first size (Large, 22.00) + 4.90 shipping is the total
    expect(page.locator("#checkout-total")).to_have_text("€26.90")
    fits(page, "checkout", "#checkout-total")
    screenshot(page, f"storefront-checkout-{name}")
    for field, value in {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "line1": "Hafenstraße 1",
        "postal_code": "20457",
        "city": "Hamburg",
    }.items():
        page.locator(f"#id_{field}").fill(value)
    page.locator("input[name=payment][value=sandbox]").check()
    page.locator("aside button[type=submit]").click()
    page.wait_for_url("**/shop/orders/**")

    # then the confirmation offers the card form, and paying shows the order paid
    fits(page, "confirmation before paying", "#order-total")
    screenshot(page, f"storefront-confirmation-pay-{name}")
    page.locator("#id_card_number").fill("4242 4242 4242 4242")
    page.locator(".shop-pay form button[type=submit]").first.click()
    page.locator(".shop-pay").get_by_text("4242").wait_for()
    assert Order.objects.get().status == "paid"
    fits(page, "confirmation after paying", "#order-total")
    screenshot(page, f"storefront-confirmation-paid-{name}")


def test_choosing_express_at_checkout_changes_the_total(shop, new_page):
    # given Express to Germany besides the shop's Standard rate
    ShippingRate.objects.filter(country="DE").update(days_min=3, days_max=5)
    ShippingRate.objects.create(
        country="DE", method="Express", amount=Decimal("12.90"), days_min=1, days_max=2
    )
    cache.clear()
    page = new_page(viewport=WIDE)
    page.goto("/shop/p/harbour-tee/")
    page.get_by_label("Large").check()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/shop/cart/")
    page.goto("/shop/checkout/")
    page.get_by_label("Country").select_option(label="Germany")
    # 22.00 + 4.90 + 19 % of 26.90 (5.11) = 32.01, Standard chosen as the cheapest
    expect(page.locator("#checkout-total")).to_have_text("€32.01")
    assert page.get_by_label(re.compile("Standard")).is_checked()

    # when she chooses Express
    page.get_by_label(re.compile("Express")).check()

    # then shipping and total follow: 22.00 + 12.90 + 19 % of 34.90 (6.63) = 41.53
    expect(page.locator("#checkout-total")).to_have_text("€41.53")
    assert page.locator("#checkout-shipping").inner_text() == "€12.90"
    assert "1–2 days" in page.locator("#delivery-choice").inner_text()  # noqa: RUF001
    screenshot(page, "storefront-checkout-express")

    # and the order placed is charged and labelled Express
    for field, value in {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "line1": "Hafenstraße 1",
        "postal_code": "20457",
        "city": "Hamburg",
    }.items():
        page.locator(f"#id_{field}").fill(value)
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/shop/orders/**")
    order = Order.objects.get()
    assert (order.shipping_method, order.shipping, order.total) == (
        "Express",
        Decimal("12.90"),
        Decimal("41.53"),
    )
    assert "Express" in page.locator("#order-delivery").inner_text()
