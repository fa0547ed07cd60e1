"""The owner imports a product file in a real browser: the check finds two bad rows and names
their line and column, she fixes the file, checks it again, imports it, and sees the products.
The check and the import run as tasks on the real database worker; the page polls their
progress and shows the report when they are done. Screenshots at desktop and phone widths,
in English and Chinese."""

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.catalog.models import Variant
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.integrations.conftest import FIXTURES

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")


def check_file(page, run_tasks, name: str) -> None:
    """Upload ``name`` as products, keep the matched columns, and run the check to the end."""
    page.goto("/data/")
    page.get_by_label("What the file holds").select_option("products")
    page.locator("input[type=file]").set_input_files(str(FIXTURES / name))
    page.get_by_role("button", name="Upload and match columns").click()
    page.wait_for_url("**/data/imports/**")
    assert page.get_by_label("price").input_value() == "price"
    page.get_by_role("button", name="Check the file").click()
    page.locator("#import-progress").wait_for()  # the bar, polling
    run_tasks()
    page.locator("#import-report").wait_for()  # the page reloaded itself with the report


@pytest.mark.django_db(transaction=True)
def test_the_owner_fixes_two_bad_rows_and_imports_the_products(new_page, run_tasks):
    # given the owner, and a file with two bad rows
    user_create(
        username="olivia", email="o@example.com", password=PASSWORD, role="owner", actor=SYSTEM
    )
    page = new_page()
    log_in(page, "olivia", PASSWORD)

    # when she checks it
    check_file(page, run_tasks, "products_two_bad.csv")

    # then she reads each bad row's line, column and problem, and nothing was written
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 2
    assert errors.nth(0).inner_text().split("\t") == ["3", "price", "'12.5.0' is not a number"]
    assert errors.nth(1).inner_text().split("\t") == [
        "5",
        "weight_grams",
        "'heavy' is not a number",
    ]
    assert page.locator("#count-create").inner_text() == "2"
    assert not Variant.objects.exists()
    screenshot(page, "import-errors-desktop")

    # when she fixes the file, checks it again and imports it
    check_file(page, run_tasks, "products_fixed.csv")
    assert page.locator("#count-rejected").inner_text() == "0"
    page.get_by_role("button", name="Import", exact=True).click()
    run_tasks()
    page.locator("#import-status", has_text="Imported").wait_for()
    screenshot(page, "import-done-desktop")
    job_url = "/data/" + page.url.split("/data/", 1)[1]

    # then the products are there, in the products list
    assert Variant.objects.count() == 4
    page.goto("/products/")
    for sku in ("A-1", "A-2", "A-3", "A-4"):
        assert page.get_by_role("link", name=sku, exact=True).count() == 1

    # and the pages read well on a phone, and in Chinese
    phone = new_page(viewport=PHONE)
    log_in(phone, "olivia", PASSWORD)
    for path, name in (("/data/", "import-data"), (job_url, "import-done")):
        phone.goto(path)
        screenshot(phone, f"{name}-phone")
    lihua = user_create(
        username="lihua", email="l@example.cn", password=PASSWORD, role="owner", actor=SYSTEM
    )
    lihua.language = "zh-hans"
    lihua.save(update_fields=["language"])
    chinese = new_page()
    log_in(chinese, "lihua", PASSWORD)
    for path, name in (("/data/", "import-data"), (job_url, "import-done")):
        chinese.goto(path)
        screenshot(chinese, f"{name}-zh")
        chinese.set_viewport_size(PHONE)
        screenshot(chinese, f"{name}-zh-phone")
        chinese.set_viewport_size({"width": 1366, "height": 900})
