"""Console: products and stock — the SKU list, a SKU's ledger and adjustments, its reorder
policy, and suppliers. Through the test client, as a person in the browser would."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soloops.automation.models import Event
from soloops.catalog.models import Product, Supplier, SupplierItem
from soloops.catalog.services import (
    product_update,
    supplier_create,
    supplier_item_set,
    variant_update,
)
from soloops.dashboard.views.products import LEDGER_PER_PAGE
from soloops.inventory.models import Movement, StockLevel
from soloops.inventory.selectors import ledger_mismatches
from soloops.inventory.services import stock_change
from soloops.orders.services import order_mark_paid, order_mark_shipped, order_start_fulfilling
from soloops.purchasing.models import ReorderPolicy
from tests.catalog.conftest import default_location  # noqa: F401
from tests.factories import SYSTEM, make_variant
from tests.inventory.conftest import accepting_policy, place  # noqa: F401

PRODUCTS = reverse("dashboard:products")
SUPPLIERS = reverse("dashboard:suppliers")


@pytest.fixture(autouse=True)
def _location(default_location):  # noqa: F811
    return default_location


def variant_url(sku: str) -> str:
    return reverse("dashboard:variant", args=[sku])


def adjust_url(sku: str) -> str:
    return reverse("dashboard:variant_adjust", args=[sku])


def rows_of(response) -> list[str]:
    """The body rows of the first table, as text with single spaces."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def stock(variant) -> StockLevel:
    return StockLevel.objects.get(variant=variant, location__is_default=True)


def nothing_changed_since(before: dict) -> bool:
    return snapshot() == before


def snapshot() -> dict:
    return {
        "movements": Movement.objects.count(),
        "events": Event.objects.count(),
        "stock": sorted(StockLevel.objects.values_list("pk", "on_hand", "reserved")),
        "policies": ReorderPolicy.objects.count(),
        "suppliers": sorted(Supplier.objects.values_list("pk", "name", "email")),
        "items": SupplierItem.objects.count(),
        "products": Product.objects.count(),
    }


def make_supplier(name: str, **fields):
    return supplier_create(name=name, email=f"{name.lower()}@example.com", actor=SYSTEM, **fields)


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_each_sku_with_its_stock_and_markers(viewer_client):
    # given one SKU well stocked, one low, one sold out
    make_variant("MUG-1", price="12.50", stock=10, low_stock_threshold=5)
    make_variant("MUG-2", price="9.00", stock=3, low_stock_threshold=5)
    make_variant("MUG-3", stock=0)

    # when a viewer opens the products list
    response = viewer_client.get(PRODUCTS)

    # then each SKU is one row with price and stock, marked low or out as it is
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) == 3
    assert rows[0].startswith("MUG-1 Product MUG-1 €12.50 10 0 10")
    assert "Low" not in rows[0] and "Out of stock" not in rows[0]
    assert rows[1].startswith("MUG-2 Product MUG-2 €9.00 3 0 3") and rows[1].endswith("Low")
    assert rows[2].endswith("Out of stock")


def test_reserved_stock_lowers_what_is_available(viewer_client, accepting_policy):  # noqa: F811
    # given 10 on hand of which an order holds 7
    make_variant("MUG-1", stock=10, low_stock_threshold=5)
    place(("MUG-1", 7))

    # when the list is shown
    (row,) = rows_of(viewer_client.get(PRODUCTS))

    # then 3 are available, 7 reserved, 10 on hand: below the threshold of 5
    assert "3 7 10" in row
    assert row.endswith("Low")


def test_a_reorder_policy_sets_the_point_where_stock_is_low(viewer_client):
    # given 8 available, above the threshold 5 but below the owner's reorder point 10
    variant = make_variant("MUG-1", stock=8, low_stock_threshold=5)
    ReorderPolicy.objects.create(variant=variant, reorder_point=10)

    # when the low filter is applied
    rows = rows_of(viewer_client.get(PRODUCTS, {"low": "1"}))

    # then the SKU is low
    assert len(rows) == 1 and rows[0].endswith("Low")


def test_search_finds_a_sku_by_code_or_product_name(viewer_client):
    make_variant("MUG-1")
    make_variant("TEA-9")
    product_update(product=Product.objects.get(slug="tea-9"), name="Green tea", actor=SYSTEM)

    by_sku = rows_of(viewer_client.get(PRODUCTS, {"q": "mug"}))
    by_name = rows_of(viewer_client.get(PRODUCTS, {"q": "green"}))

    assert [r.split()[0] for r in by_sku] == ["MUG-1"]
    assert [r.split()[0] for r in by_name] == ["TEA-9"]


def test_low_filter_keeps_low_and_sold_out_skus(viewer_client):
    # given the link the Today page uses
    make_variant("OK-1", stock=50)
    make_variant("LOW-1", stock=2)
    make_variant("OUT-1", stock=0)

    response = viewer_client.get(PRODUCTS + "?low=1")

    assert sorted(r.split()[0] for r in rows_of(response)) == ["LOW-1", "OUT-1"]
    assert 'name="low" value="1" checked' in response.content.decode()


def test_active_filter_separates_skus_on_sale_from_the_others(viewer_client):
    make_variant("ON-1")
    retired = make_variant("OFF-1")
    variant_update(variant=retired, active=False, actor=SYSTEM)

    on_sale = rows_of(viewer_client.get(PRODUCTS, {"active": "1"}))
    off_sale = rows_of(viewer_client.get(PRODUCTS, {"active": "0"}))

    assert [r.split()[0] for r in on_sale] == ["ON-1"]
    assert [r.split()[0] for r in off_sale] == ["OFF-1"]
    assert "Not on sale" in off_sale[0]


def test_an_empty_shop_says_how_to_add_products(staff_client):
    response = staff_client.get(PRODUCTS)

    html = response.content.decode()
    assert response.status_code == 200
    assert "No products yet" in html
    assert "New product" in html


def test_filters_that_match_nothing_say_so(viewer_client):
    make_variant("MUG-1")

    html = viewer_client.get(PRODUCTS, {"q": "nothing-like-this"}).content.decode()

    assert "No SKU matches these filters." in html
    assert "No products yet" not in html


def test_the_list_pages_fifty_skus_at_a_time(viewer_client):
    for i in range(51):
        make_variant(f"SKU-{i:03d}", stock=0)

    first = viewer_client.get(PRODUCTS, {"q": "SKU"})
    second = viewer_client.get(PRODUCTS, {"q": "SKU", "page": "2"})

    assert len(rows_of(first)) == 50
    assert "?q=SKU&amp;page=2" in first.content.decode()
    assert [r.split()[0] for r in rows_of(second)] == ["SKU-050"]


def test_the_list_costs_the_same_queries_for_few_and_many_skus(viewer_client):
    make_variant("A-1")
    make_variant("A-2", stock=1)
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(PRODUCTS)
    for i in range(12):
        variant = make_variant(f"B-{i}", stock=i)
        ReorderPolicy.objects.create(variant=variant, reorder_point=3)
    supplier = make_supplier("Acme")
    supplier_item_set(
        supplier=supplier,
        variant=variant,
        supplier_sku="X",
        unit_cost=Decimal("1.00"),
        actor=SYSTEM,
    )

    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(PRODUCTS)

    assert len(rows_of(response)) == 14
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_staff_add_a_product_from_the_list(staff_client):
    # when staff fill in the new product form
    response = staff_client.post(
        PRODUCTS,
        {"name": "Espresso cup", "sku": "CUP-1", "price": "7.50", "low_stock_threshold": 4},
    )

    # then the product and its SKU exist, tracked at zero stock, and they land on its page
    assert response.status_code == 302
    assert response["Location"] == variant_url("CUP-1")
    product = Product.objects.get(name="Espresso cup")
    variant = product.variants.get()
    assert (variant.sku, variant.price, variant.low_stock_threshold) == (
        "CUP-1",
        Decimal("7.50"),
        4,
    )
    assert stock(variant).on_hand == 0
    assert Event.objects.filter(type="variant.created", subject_id=str(variant.pk)).exists()


def test_a_taken_sku_is_refused_beside_the_field(staff_client):
    make_variant("CUP-1")
    before = snapshot()

    response = staff_client.post(
        PRODUCTS, {"name": "Other cup", "sku": "CUP-1", "price": "7.50", "low_stock_threshold": 4}
    )

    assert response.status_code == 400
    errors = response.context["create_form"].errors
    assert list(errors) == ["sku"]
    assert nothing_changed_since(before)


def test_a_viewer_cannot_add_a_product(viewer_client):
    html = viewer_client.get(PRODUCTS).content.decode()
    assert "New product" not in html

    response = viewer_client.post(
        PRODUCTS, {"name": "Cup", "sku": "CUP-1", "price": "1", "low_stock_threshold": 1}
    )

    assert response.status_code == 403
    assert not Product.objects.exists()


# --- one SKU --------------------------------------------------------------------------------


def test_the_sku_page_shows_stock_ledger_suppliers_and_policy(viewer_client):
    # given a SKU received, then adjusted, sold by a supplier
    variant = make_variant("MUG-1", stock=10, low_stock_threshold=5)
    stock_change(variant=variant, quantity=-2, kind="adjustment", reason="broken", actor=SYSTEM)
    supplier = make_supplier("Acme", lead_time_days=4)
    supplier_item_set(
        supplier=supplier, variant=variant, supplier_sku="AC-7", unit_cost="3.20", actor=SYSTEM
    )

    # when a viewer opens its page
    response = viewer_client.get(variant_url("MUG-1"))

    # then the ledger lists both movements newest first with balance, reason and actor
    html = response.content.decode()
    assert response.status_code == 200
    ledger = html.split('class="ledger', 1)[1].split("</table>", 1)[0]
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", r).split())
        for r in re.findall(r"<tr>(.*?)</tr>", ledger.split("<tbody>")[1], flags=re.S)
    ]
    assert len(rows) == 2
    assert "Adjustment -2 8 broken" in rows[0] and rows[0].endswith("test")
    assert "Receipt +10 10" in rows[1]
    # its supplier, the reorder policy (defaults) and no adjustment form for a viewer
    assert "AC-7" in html and "€3.20" in html
    assert "the low-stock threshold" in html and "twice the reorder point" in html
    assert "Adjust stock" not in html
    assert "Change the reorder policy" not in html


def _ship(order) -> None:
    """Paid, packed and shipped: shipping consumes the reserved stock (a sale in the ledger)."""
    order = order_mark_paid(order=order, actor=SYSTEM)
    order = order_start_fulfilling(order=order, actor=SYSTEM)
    order_mark_shipped(order=order, actor=SYSTEM)


def _ledger_rows(html: str) -> list[str]:
    ledger = html.split('class="ledger', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", ledger.split("<tbody>")[1], flags=re.S)


def test_a_sale_in_the_ledger_links_its_order_and_the_policy_comes_first(
    viewer_client,
    accepting_policy,  # noqa: F811
):
    # given a SKU with one order shipped
    make_variant("MUG-1", stock=50)
    first = place(("MUG-1", 1))
    _ship(first)
    with CaptureQueriesContext(connection) as one_sale:
        viewer_client.get(variant_url("MUG-1"))

    # when four more ship and the owner opens the SKU's page
    later = [place(("MUG-1", 1)) for _ in range(4)]
    for order in later:
        _ship(order)
    with CaptureQueriesContext(connection) as five_sales:
        response = viewer_client.get(variant_url("MUG-1"))

    # then each sale names its order by number, linked to the order's page
    html = response.content.decode()
    rows = _ledger_rows(html)
    for order in [first, *later]:
        link = f'<a href="{reverse("dashboard:order", args=[order.number])}">{order.number}</a>'
        assert sum(link in row for row in rows) == 1, order.number
    assert "(id " not in html
    # with one query for the numbers however many sales the page shows
    assert len(five_sales.captured_queries) == len(one_sale.captured_queries)
    # and the reorder policy is above the ledger, not below a year of rows
    assert html.index('id="policy"') < html.index('id="ledger"')


def test_the_ledger_is_paged(viewer_client):
    # given a SKU with more movements than a page holds
    variant = make_variant("MUG-1", stock=100)
    for n in range(LEDGER_PER_PAGE):
        stock_change(variant=variant, quantity=-1, kind="adjustment", reason=f"r{n}", actor=SYSTEM)

    # when the owner opens the page, then the next
    first = viewer_client.get(variant_url("MUG-1")).content.decode()
    second = viewer_client.get(variant_url("MUG-1") + "?page=2").content.decode()

    # then the first shows a page of the newest movements and the second the rest
    assert len(_ledger_rows(first)) == LEDGER_PER_PAGE
    assert "?page=2" in first
    assert len(_ledger_rows(second)) == 1 and "Receipt" in _ledger_rows(second)[0]


def test_an_unknown_sku_is_404(viewer_client):
    assert viewer_client.get(variant_url("NOPE")).status_code == 404


def test_staff_adjust_stock_with_a_reason(staff_client):
    # given 10 on hand
    variant = make_variant("MUG-1", stock=10)
    events_before = Event.objects.filter(type="stock.adjusted").count()

    # when staff remove 3 broken mugs
    response = staff_client.post(
        adjust_url("MUG-1"), {"mode": "change", "quantity": "-3", "reason": "dropped a box"}
    )

    # then one adjustment movement and one event, and the ledger still adds up
    assert response.status_code == 302
    movement = Movement.objects.filter(variant_id=variant.pk).latest("id")
    assert (movement.kind, movement.quantity, movement.balance_after) == ("adjustment", -3, 7)
    assert movement.reason == "dropped a box" and movement.actor_label == "sam"
    assert Movement.objects.filter(variant_id=variant.pk).count() == 2
    assert Event.objects.filter(type="stock.adjusted").count() == events_before + 1
    assert (
        stock(variant).on_hand
        == 7
        == sum(Movement.objects.filter(variant_id=variant.pk).values_list("quantity", flat=True))
    )
    assert ledger_mismatches() == []
    # and the page says what happened, with the new movement on top of the ledger
    page = staff_client.get(response["Location"])
    html = page.content.decode()
    assert "Stock of MUG-1 changed by -3: 7 now on hand." in html
    assert "dropped a box" in html


def test_staff_record_a_stock_count(staff_client):
    variant = make_variant("MUG-1", stock=10)

    response = staff_client.post(
        adjust_url("MUG-1"), {"mode": "count", "quantity": "12", "reason": "yearly count"}
    )

    assert response.status_code == 302
    movement = Movement.objects.filter(variant_id=variant.pk).latest("id")
    assert (movement.kind, movement.quantity, movement.balance_after) == ("count", 2, 12)
    assert stock(variant).on_hand == 12
    assert ledger_mismatches() == []


def test_a_count_that_matches_changes_nothing(staff_client):
    make_variant("MUG-1", stock=10)
    before = snapshot()

    response = staff_client.post(
        adjust_url("MUG-1"), {"mode": "count", "quantity": "10", "reason": "checked"}, follow=True
    )

    assert "nothing changed" in response.content.decode()
    assert nothing_changed_since(before)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mode": "change", "quantity": "-3", "reason": ""}, "reason"),
        ({"mode": "change", "quantity": "-3", "reason": "   "}, "reason"),
        ({"mode": "change", "quantity": "0", "reason": "nothing"}, "quantity"),
        ({"mode": "change", "quantity": "", "reason": "why"}, "quantity"),
        ({"mode": "change", "quantity": "x", "reason": "why"}, "quantity"),
        ({"mode": "count", "quantity": "-1", "reason": "count"}, "quantity"),
        ({"mode": "change", "quantity": "-8", "reason": "lost"}, "quantity"),  # below reserved
        ({"mode": "count", "quantity": "4", "reason": "count"}, "quantity"),  # below reserved
        ({"mode": "teleport", "quantity": "1", "reason": "why"}, "mode"),
    ],
)
def test_a_bad_adjustment_is_refused_beside_the_field(
    staff_client,
    accepting_policy,  # noqa: F811
    data,
    field,
):
    # given 10 on hand, 5 of them reserved for an order
    make_variant("MUG-1", stock=10)
    place(("MUG-1", 5))
    before = snapshot()

    # when staff send a bad adjustment
    response = staff_client.post(adjust_url("MUG-1"), data)

    # then the page comes back with the error beside that field and nothing changed
    assert response.status_code == 400
    form = response.context["adjust_form"]
    assert field in form.errors, form.errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert nothing_changed_since(before)


def test_a_viewer_sees_no_adjustment_and_a_forged_one_is_refused(viewer_client):
    make_variant("MUG-1", stock=10)
    before = snapshot()

    page = viewer_client.get(variant_url("MUG-1")).content.decode()
    response = viewer_client.post(
        adjust_url("MUG-1"), {"mode": "change", "quantity": "-3", "reason": "forged"}
    )

    assert "Record the change" not in page
    assert response.status_code == 403
    assert nothing_changed_since(before)


def test_the_owner_sets_the_reorder_policy(owner_client):
    variant = make_variant("MUG-1", stock=10)
    supplier = make_supplier("Acme")
    supplier_item_set(
        supplier=supplier, variant=variant, supplier_sku="A", unit_cost="1", actor=SYSTEM
    )

    response = owner_client.post(
        reverse("dashboard:variant_policy", args=["MUG-1"]),
        {"reorder_point": "8", "target_level": "30", "preferred_supplier": str(supplier.pk)},
    )

    assert response.status_code == 302
    policy = ReorderPolicy.objects.get(variant=variant)
    assert (policy.reorder_point, policy.target_level, policy.preferred_supplier_id) == (
        8,
        30,
        supplier.pk,
    )
    assert not policy.auto_send
    assert Event.objects.filter(type="reorder_policy.updated").count() == 1
    html = owner_client.get(variant_url("MUG-1")).content.decode()
    assert "set by the owner" in html


def test_a_target_below_the_reorder_point_is_refused_beside_it(owner_client):
    make_variant("MUG-1", stock=10)
    before = snapshot()

    response = owner_client.post(
        reverse("dashboard:variant_policy", args=["MUG-1"]),
        {"reorder_point": "8", "target_level": "3"},
    )

    assert response.status_code == 400
    assert list(response.context["policy_form"].errors) == ["target_level"]
    assert nothing_changed_since(before)


def test_staff_may_not_configure_the_reorder_policy(staff_client):
    make_variant("MUG-1", stock=10)
    before = snapshot()

    page = staff_client.get(variant_url("MUG-1")).content.decode()
    response = staff_client.post(
        reverse("dashboard:variant_policy", args=["MUG-1"]), {"reorder_point": "8"}
    )

    assert "Record the change" in page
    assert "Change the reorder policy" not in page
    assert response.status_code == 403
    assert nothing_changed_since(before)


def test_the_sku_page_costs_the_same_queries_for_a_short_and_a_long_ledger(viewer_client):
    variant = make_variant("MUG-1", stock=10)
    supplier = make_supplier("Acme")
    supplier_item_set(
        supplier=supplier, variant=variant, supplier_sku="A", unit_cost="1", actor=SYSTEM
    )
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(variant_url("MUG-1"))
    for i in range(60):
        stock_change(variant=variant, quantity=1, kind="adjustment", reason=f"r{i}", actor=SYSTEM)
    supplier_item_set(
        supplier=make_supplier("Bolt"),
        variant=variant,
        supplier_sku="B",
        unit_cost="2",
        actor=SYSTEM,
    )

    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(variant_url("MUG-1"))

    assert len(response.context["ledger"].items) == LEDGER_PER_PAGE
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- suppliers ------------------------------------------------------------------------------


def test_the_suppliers_list_counts_their_items(viewer_client):
    mug, cup = make_variant("MUG-1"), make_variant("CUP-1")
    acme = make_supplier("Acme", lead_time_days=3)
    make_supplier("Bolt")
    for variant in (mug, cup):
        supplier_item_set(
            supplier=acme, variant=variant, supplier_sku=variant.sku, unit_cost="1", actor=SYSTEM
        )

    response = viewer_client.get(SUPPLIERS)

    rows = rows_of(response)
    assert rows[0] == "Acme acme@example.com 3 1 2"
    assert rows[1].startswith("Bolt") and rows[1].endswith(" 0")
    assert "New supplier" not in response.content.decode()


def test_no_suppliers_yet_says_what_to_do(owner_client):
    html = owner_client.get(SUPPLIERS).content.decode()

    assert "No suppliers yet" in html
    assert "New supplier" in html


def test_the_suppliers_list_costs_the_same_queries_for_few_and_many(viewer_client):
    make_supplier("Acme")
    viewer_client.get(SUPPLIERS)  # warm what every page caches (the shop profile)
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(SUPPLIERS)
    variant = make_variant("MUG-1")
    for i in range(10):
        supplier = make_supplier(f"S{i}")
        supplier_item_set(
            supplier=supplier, variant=variant, supplier_sku="x", unit_cost="1", actor=SYSTEM
        )

    with CaptureQueriesContext(connection) as many:
        viewer_client.get(SUPPLIERS)

    assert len(many) == len(few)


def test_the_supplier_page_lists_what_it_sells(viewer_client):
    supplier = make_supplier("Acme")
    viewer_client.get(reverse("dashboard:supplier", args=[supplier.pk]))  # warm the cache
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("dashboard:supplier", args=[supplier.pk]))
    for i in range(5):
        supplier_item_set(
            supplier=supplier,
            variant=make_variant(f"MUG-{i}"),
            supplier_sku=f"AC-{i}",
            unit_cost="2.50",
            actor=SYSTEM,
        )

    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(reverse("dashboard:supplier", args=[supplier.pk]))

    rows = rows_of(response)
    assert rows[0] == "MUG-0 Product MUG-0 AC-0 €2.50"
    assert len(rows) == 5
    assert len(many) == len(few)
    assert "Edit supplier" not in response.content.decode()


def test_the_owner_adds_a_supplier(owner_client):
    response = owner_client.post(
        reverse("dashboard:supplier_new"),
        {
            "name": "Acme",
            "email": "orders@acme.test",
            "lead_time_days": "5",
            "min_order_quantity": "10",
        },
    )

    supplier = Supplier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:supplier", args=[supplier.pk])
    assert (supplier.email, supplier.lead_time_days, supplier.min_order_quantity) == (
        "orders@acme.test",
        5,
        10,
    )
    assert Event.objects.filter(type="supplier.created", subject_id=str(supplier.pk)).exists()


def test_the_owner_edits_a_supplier(owner_client):
    supplier = make_supplier("Acme")
    url = reverse("dashboard:supplier_edit", args=[supplier.pk])
    assert 'value="acme@example.com"' in owner_client.get(url).content.decode()

    response = owner_client.post(
        url,
        {
            "name": "Acme Ltd",
            "email": "new@acme.test",
            "lead_time_days": "9",
            "min_order_quantity": "1",
        },
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.name, supplier.email, supplier.lead_time_days) == (
        "Acme Ltd",
        "new@acme.test",
        9,
    )
    event = Event.objects.filter(type="supplier.updated").latest("id")
    assert event.payload == {"name": "Acme Ltd", "email": "new@acme.test", "lead_time_days": 9}


def test_a_duplicate_or_bad_supplier_is_refused_beside_the_field(owner_client):
    make_supplier("Acme")
    before = snapshot()

    taken = owner_client.post(
        reverse("dashboard:supplier_new"),
        {"name": "Acme", "email": "x@acme.test", "lead_time_days": "5", "min_order_quantity": "1"},
    )
    bad = owner_client.post(
        reverse("dashboard:supplier_new"),
        {
            "name": "Bolt",
            "email": "not an email",
            "lead_time_days": "-1",
            "min_order_quantity": "0",
        },
    )

    assert taken.status_code == 400 and list(taken.context["form"].errors) == ["name"]
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"email", "lead_time_days", "min_order_quantity"}
    assert nothing_changed_since(before)


def test_staff_may_not_add_or_edit_suppliers(staff_client):
    supplier = make_supplier("Acme")
    before = snapshot()
    data = {"name": "X", "email": "x@x.test", "lead_time_days": "1", "min_order_quantity": "1"}

    responses = [
        staff_client.get(reverse("dashboard:supplier_new")),
        staff_client.post(reverse("dashboard:supplier_new"), data),
        staff_client.get(reverse("dashboard:supplier_edit", args=[supplier.pk])),
        staff_client.post(reverse("dashboard:supplier_edit", args=[supplier.pk]), data),
        staff_client.post(
            reverse("dashboard:supplier_item", args=[supplier.pk]),
            {"sku": "MUG-1", "supplier_sku": "A", "unit_cost": "1"},
        ),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert nothing_changed_since(before)
    assert "New supplier" not in staff_client.get(SUPPLIERS).content.decode()


def test_the_owner_says_what_a_supplier_sells(owner_client):
    variant = make_variant("MUG-1")
    supplier = make_supplier("Acme")
    url = reverse("dashboard:supplier_item", args=[supplier.pk])

    unknown = owner_client.post(url, {"sku": "NOPE", "supplier_sku": "A", "unit_cost": "1"})
    response = owner_client.post(url, {"sku": "MUG-1", "supplier_sku": "AC-1", "unit_cost": "2.40"})

    assert unknown.status_code == 400 and list(unknown.context["item_form"].errors) == ["sku"]
    assert response.status_code == 302
    item = SupplierItem.objects.get()
    assert (item.variant_id, item.supplier_sku, item.unit_cost) == (
        variant.pk,
        "AC-1",
        Decimal("2.40"),
    )


def test_on_order_counts_sent_purchase_orders_and_shows_drafts_apart(viewer_client):
    # given two SKUs: one on a sent purchase order, one on a draft nobody sent
    from soloops.purchasing.services import purchase_order_send
    from tests.dashboard.builders import purchase_order_draft

    sent = purchase_order_draft("INK-1", "Paper Co")
    purchase_order_send(po=sent, actor=SYSTEM)
    drafted = purchase_order_draft("PEN-1", "Pen Co")
    sent_qty = sent.lines.get().quantity_ordered
    draft_qty = drafted.lines.get().quantity_ordered

    # when a viewer looks at Products and at each SKU
    page = viewer_client.get("/products/").content.decode()
    ink = viewer_client.get("/products/INK-1/").content.decode()
    pen = viewer_client.get("/products/PEN-1/").content.decode()

    # then only the sent order counts as on order; the draft is shown apart
    assert f'data-on-order="{sent_qty}" data-drafted="0">{sent_qty}</td>' in page
    assert f'data-on-order="0" data-drafted="{draft_qty}">' in page
    assert f"+{draft_qty} in drafts" in page
    assert re.search(rf'data-tile="on-order"><span class="figure">{sent_qty}<', ink)
    assert re.search(r'data-tile="on-order"><span class="figure">0<', pen)
    assert f"and {draft_qty} in drafts not sent yet" in pen
