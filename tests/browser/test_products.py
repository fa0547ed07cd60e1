"""Products and purchase orders in a real browser: staff adjust a SKU's stock and see the
movement on its ledger; screenshots of the section's pages at desktop and phone widths."""

from decimal import Decimal

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.catalog.services import supplier_create, supplier_item_set
from soloops.inventory.models import Movement
from soloops.purchasing.services import purchase_order_send, purchase_orders_draft_for_low_stock
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import make_variant

PASSWORD = "correct horse battery staple 42"
# Elements (outside a scrolling table wrapper) that reach past the right edge of the screen.
WIDER_THAN_SCREEN = """
[...document.querySelectorAll("body *")]
  .filter((el) => !el.closest(".table-wrap") && el.getBoundingClientRect().right > innerWidth + 1)
  .map((el) => el.tagName + "." + el.className + " " + Math.round(el.getBoundingClientRect().right))
"""
SYSTEM = Actor.system("test")


def a_small_shop():
    """Three SKUs (one low, one out), a supplier that sells them, and a sent purchase order."""
    mug = make_variant("MUG-1", price="12.50", stock=10, low_stock_threshold=5)
    low = make_variant("MUG-2", price="9.00", stock=3, low_stock_threshold=5)
    out = make_variant("TEA-1", price="6.40", stock=0, low_stock_threshold=2)
    supplier = supplier_create(
        name="Acme Ceramics", email="orders@acme.test", lead_time_days=5, actor=SYSTEM
    )
    for variant in (mug, low, out):
        supplier_item_set(
            supplier=supplier,
            variant=variant,
            supplier_sku=f"AC-{variant.sku}",
            unit_cost=Decimal("3.10"),
            actor=SYSTEM,
        )
    (po,) = purchase_orders_draft_for_low_stock(actor=SYSTEM).purchase_orders
    return mug, purchase_order_send(po=po, actor=SYSTEM)


def test_staff_adjust_stock_with_a_reason_and_see_it_on_the_ledger(page, new_page):
    # given staff, and a shop with stock and a purchase order on its way
    user_create(
        username="sam", email="sam@example.com", password=PASSWORD, role="staff", actor=SYSTEM
    )
    mug, po = a_small_shop()
    page.on("dialog", lambda dialog: dialog.accept())  # the "Change the stock …?" question
    log_in(page, "sam", PASSWORD)

    # when they open the SKU from the products list and remove two broken mugs
    page.goto("/products/")
    screenshot(page, "products-desktop")
    page.get_by_role("link", name="MUG-1", exact=True).click()
    page.get_by_role("spinbutton", name="Quantity").fill("-2")
    page.get_by_role("textbox", name="Reason").fill("two broken in the box")
    page.get_by_role("button", name="Record the change").click()

    # then the page says so and the newest ledger row is their adjustment
    page.wait_for_selector(".message.success")
    assert "Stock of MUG-1 changed by -2: 8 now on hand." in page.locator("#messages").inner_text()
    newest = page.locator("table.ledger tbody tr").first.inner_text()
    for part in ("Adjustment", "-2", "8", "two broken in the box", "sam"):
        assert part in newest
    movement = Movement.objects.filter(variant_id=mug.pk).latest("id")
    assert (movement.quantity, movement.reason) == (-2, "two broken in the box")
    screenshot(page, "sku-desktop")

    page.goto("/purchase-orders/")
    screenshot(page, "purchase-orders-desktop")
    page.get_by_role("link", name=po.number).click()
    assert "below its reorder point" in page.locator("#why ~ ul").inner_text()
    screenshot(page, "purchase-order-desktop")

    # and every page reads on a phone
    phone = new_page(viewport=PHONE)
    log_in(phone, "sam", PASSWORD)
    for path, name in [
        ("/products/", "products-phone"),
        ("/products/MUG-1/", "sku-phone"),
        ("/purchase-orders/", "purchase-orders-phone"),
        (f"/purchase-orders/{po.number}/", "purchase-order-phone"),
    ]:
        phone.goto(path)
        assert phone.get_by_role("heading", level=1).is_visible()
        screenshot(phone, name)
        # nothing wider than the screen but the tables, which scroll inside their wrapper
        wide = phone.evaluate(WIDER_THAN_SCREEN)
        assert not wide, (path, wide)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
