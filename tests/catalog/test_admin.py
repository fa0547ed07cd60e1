"""The admin: catalog edits go through the services (events, stock rows); stock is read-only."""

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from soloops.automation.models import Event
from soloops.catalog.models import Product, Supplier, SupplierItem, Variant
from soloops.catalog.services import product_create
from soloops.inventory.models import StockLevel
from tests.catalog.conftest import row_counts
from tests.factories import make_variant


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def owner_client(client, db):
    owner = user_create(
        username="olivia",
        email="olivia@example.com",
        password="correct horse battery staple 42",
        role="owner",
        actor=Actor.system("test"),
    )
    client.force_login(owner)
    return client


def test_a_product_added_in_the_admin_is_recorded_as_the_users_act(owner_client, default_location):
    # when
    response = owner_client.post(
        "/admin/catalog/product/add/",
        {"name": "Tea towel", "slug": "tea-towel", "description": "", "active": "on"}
        | management("variants"),
    )

    # then
    assert response.status_code == 302, response.content
    product = Product.objects.get(slug="tea-towel")
    event = Event.objects.get(type="product.created")
    assert (event.subject_id, event.actor_kind, event.actor_label) == (
        str(product.pk),
        "user",
        "olivia",
    )


def test_a_variant_added_in_the_admin_gets_its_stock_row(owner_client, default_location):
    # given
    product = product_create(name="Mug", actor=Actor.system("test"))

    # when
    response = owner_client.post(
        "/admin/catalog/variant/add/",
        {
            "product": product.pk,
            "sku": "MUG-9",
            "name": "Green",
            "price": "9.90",
            "weight_grams": "300",
            "requires_shipping": "on",
            "active": "on",
            "low_stock_threshold": "4",
        },
    )

    # then
    assert response.status_code == 302, response.content
    variant = Variant.objects.get(sku="MUG-9")
    assert (variant.currency, variant.low_stock_threshold) == ("EUR", 4)
    assert StockLevel.objects.filter(variant=variant, on_hand=0, reserved=0).count() == 1
    assert Event.objects.filter(type="variant.created", subject_id=str(variant.pk)).exists()


def test_a_variant_changed_in_the_admin_records_what_changed(owner_client, default_location):
    # given
    variant = make_variant("MUG-1", price="12.50")

    # when
    response = owner_client.post(
        f"/admin/catalog/variant/{variant.pk}/change/",
        {
            "sku": "MUG-1",
            "name": "",
            "price": "14.00",
            "weight_grams": "0",
            "requires_shipping": "on",
            "active": "on",
            "low_stock_threshold": "5",
        },
    )

    # then
    assert response.status_code == 302, response.content
    [event] = Event.objects.filter(type="variant.updated")
    assert event.payload == {"price": "14.00"}
    assert event.actor_kind == "user"


def test_a_duplicate_sku_in_the_admin_is_a_form_error_and_writes_nothing(
    owner_client, default_location
):
    # given
    variant = make_variant("MUG-1")
    before = row_counts()

    # when
    response = owner_client.post(
        "/admin/catalog/variant/add/",
        {
            "product": variant.product_id,
            "sku": "MUG-1",
            "price": "1",
            "weight_grams": "0",
            "low_stock_threshold": "5",
        },
    )

    # then
    assert response.status_code == 200
    assert "sku" in response.context["adminform"].form.errors
    assert row_counts() == before


def test_a_supplier_and_its_items_are_saved_through_the_services(owner_client, default_location):
    # given
    variant = make_variant("MUG-1")

    # when
    response = owner_client.post(
        "/admin/catalog/supplier/add/",
        {
            "name": "Acme",
            "email": "orders@acme.example",
            "lead_time_days": "7",
            "min_order_quantity": "12",
            "items-0-variant": variant.pk,
            "items-0-supplier_sku": "AC-1",
            "items-0-unit_cost": "3.20",
        }
        | management("items", total=1),
    )

    # then
    assert response.status_code == 302, response.content
    supplier = Supplier.objects.get(name="Acme")
    item = SupplierItem.objects.get(supplier=supplier)
    assert (item.supplier_sku, str(item.unit_cost), item.currency) == ("AC-1", "3.20", "EUR")
    about = Event.objects.filter(subject_type="catalog.supplier", subject_id=str(supplier.pk))
    types = list(about.values_list("type", flat=True))
    assert types == ["supplier.created", "supplier.updated"]


def test_catalog_rows_cannot_be_deleted_in_the_admin(owner_client, default_location):
    # given
    variant = make_variant("MUG-1")

    # when
    response = owner_client.post(f"/admin/catalog/variant/{variant.pk}/delete/", {"post": "yes"})

    # then
    assert response.status_code == 403
    assert Variant.objects.filter(pk=variant.pk).exists()


@pytest.mark.parametrize("model", ["stocklevel", "movement", "reservation", "location"])
def test_stock_is_visible_but_not_editable_in_the_admin(owner_client, default_location, model):
    # given
    make_variant("MUG-1", stock=5)
    before = row_counts()

    # when
    listing = owner_client.get(f"/admin/inventory/{model}/")
    adding = owner_client.get(f"/admin/inventory/{model}/add/")

    # then
    assert listing.status_code == 200
    assert adding.status_code == 403
    assert row_counts() == before


def test_a_stock_row_cannot_be_changed_in_the_admin(owner_client, default_location):
    # given
    variant = make_variant("MUG-1", stock=5)
    stock = StockLevel.objects.get(variant=variant)

    # when
    page = owner_client.get(f"/admin/inventory/stocklevel/{stock.pk}/change/")
    posted = owner_client.post(
        f"/admin/inventory/stocklevel/{stock.pk}/change/", {"on_hand": "500", "reserved": "0"}
    )

    # then
    assert page.status_code == 200  # the view-only page
    assert posted.status_code == 403
    stock.refresh_from_db()
    assert stock.on_hand == 5
