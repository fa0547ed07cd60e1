"""The catalog API through HTTP: products, variants, suppliers and what each supplier sells us.

Bad input names its field and writes nothing (every catalog, stock and event row is counted
before and after); duplicates are 409 naming the field; list endpoints have bounded queries.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.automation.models import Event
from soloops.catalog.models import Product, SupplierItem, Variant
from soloops.inventory.models import StockLevel
from tests.catalog.conftest import assert_error, row_counts
from tests.factories import make_variant

MUG = {
    "name": "Enamel mug",
    "description": "Holds 350 ml.",
    "variants": [
        {"sku": "MUG-BLUE", "name": "Blue", "price": "12.50", "weight_grams": 300},
        {"sku": "MUG-RED", "name": "Red", "price": "12.50", "low_stock_threshold": 3},
    ],
}


@pytest.fixture
def api(client, owner_auth):
    """JSON calls with the owner's write token: ``api("post", path, body)``."""

    def call(method: str, path: str, body=None):
        kwargs = {"headers": owner_auth}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(path, **kwargs)

    return call


def create_mug(api) -> dict:
    response = api("post", "/api/products", MUG)
    assert response.status_code == 201, response.content
    return response.json()


# --- products and variants ------------------------------------------------------------------


def test_a_product_is_created_with_its_variants_and_their_stock_rows(api):
    # when
    body = create_mug(api)

    # then
    assert body["name"] == "Enamel mug"
    assert body["slug"] == "enamel-mug"
    assert [(v["sku"], v["price"], v["currency"]) for v in body["variants"]] == [
        ("MUG-BLUE", "12.50", "EUR"),
        ("MUG-RED", "12.50", "EUR"),
    ]
    assert body["variants"][1]["low_stock_threshold"] == 3
    stock = StockLevel.objects.filter(variant__product_id=body["id"])
    assert sorted(stock.values_list("variant__sku", "on_hand", "reserved")) == [
        ("MUG-BLUE", 0, 0),
        ("MUG-RED", 0, 0),
    ]
    types = list(Event.objects.filter(type__startswith="product.").values_list("type"))
    assert types == [("product.created",)]
    assert Event.objects.filter(type="variant.created").count() == 2


def test_products_are_listed_filtered_and_fetched(api):
    # given
    mug = create_mug(api)
    api("post", "/api/products", {"name": "Tea towel", "active": False})

    # when
    everything = api("get", "/api/products").json()
    active = api("get", "/api/products?active=true").json()
    by_name = api("get", "/api/products?q=towel").json()
    by_sku = api("get", "/api/products?q=mug-red").json()
    one = api("get", f"/api/products/{mug['id']}")
    missing = api("get", "/api/products/999999")

    # then
    assert [p["name"] for p in everything["items"]] == ["Enamel mug", "Tea towel"]
    assert (everything["count"], everything["pages"]) == (2, 1)
    assert [p["name"] for p in active["items"]] == ["Enamel mug"]
    assert [p["name"] for p in by_name["items"]] == ["Tea towel"]
    assert [p["name"] for p in by_sku["items"]] == ["Enamel mug"]
    assert one.status_code == 200
    assert one.json() == mug
    assert_error(missing, 404, "not_found", None)


def test_products_are_paginated(api):
    # given
    for i in range(5):
        api("post", "/api/products", {"name": f"Poster {i}"})

    # when
    second = api("get", "/api/products?page=2&page_size=2").json()
    past_the_end = api("get", "/api/products?page=4&page_size=2")

    # then
    assert [p["name"] for p in second["items"]] == ["Poster 2", "Poster 3"]
    assert (second["count"], second["page"], second["pages"]) == (5, 2, 3)
    # a page past the end is empty, not an error (the one paging convention)
    assert past_the_end.status_code == 200
    assert (past_the_end.json()["items"], past_the_end.json()["has_more"]) == ([], False)


def test_a_product_and_a_variant_are_patched(api):
    # given
    mug = create_mug(api)

    # when
    product = api("patch", f"/api/products/{mug['id']}", {"name": "Camp mug", "active": False})
    variant = api("patch", "/api/variants/MUG-RED", {"price": "14.00", "low_stock_threshold": 8})
    unchanged = api("patch", f"/api/products/{mug['id']}", {"name": "Camp mug"})

    # then
    assert product.status_code == 200
    assert (product.json()["name"], product.json()["active"]) == ("Camp mug", False)
    assert product.json()["slug"] == "enamel-mug"  # links keep working
    assert variant.status_code == 200
    assert (variant.json()["price"], variant.json()["low_stock_threshold"]) == ("14.00", 8)
    assert unchanged.status_code == 200
    [updated] = Event.objects.filter(type="product.updated")  # no event when nothing changed
    assert updated.payload == {"name": "Camp mug", "active": False}
    [changed] = Event.objects.filter(type="variant.updated")
    assert changed.payload == {"price": "14.00", "low_stock_threshold": 8}


def test_a_variant_is_added_to_an_existing_product(api):
    # given
    mug = create_mug(api)

    # when
    response = api(
        "post", f"/api/products/{mug['id']}/variants", {"sku": "MUG-GREEN", "price": "13"}
    )

    # then
    assert response.status_code == 201
    assert response.json()["sku"] == "MUG-GREEN"
    assert StockLevel.objects.filter(variant__sku="MUG-GREEN").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"variants": [{"sku": "A-1", "price": "1"}, {"sku": "A-2", "price": "-1"}]},
            "variants[1].price",
        ),
        ({"variants": [{"sku": "A-1", "price": "1.005"}]}, "variants[0].price"),
        ({"variants": [{"sku": "A-1"}]}, "variants[0].price"),
        ({"variants": [{"sku": "", "price": "1"}]}, "variants[0].sku"),
        ({"variants": [{"sku": "   ", "price": "1"}]}, "variants[0].sku"),
        (
            {"variants": [{"sku": "A-1", "price": "1", "weight_grams": -5}]},
            "variants[0].weight_grams",
        ),
        (
            {"variants": [{"sku": "A-1", "price": "1", "low_stock_threshold": 2**31}]},
            "variants[0].low_stock_threshold",
        ),
        ({"name": ""}, "name"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"name": "!!!"}, "name"),  # no slug can be made from it
    ],
)
def test_invalid_product_input_names_the_field_and_writes_nothing(api, body, field):
    # given
    before = row_counts()

    # when
    response = api("post", "/api/products", {"name": "Poster", **body})

    # then
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Enamel mug"}, "slug"),  # the same slug again
        ({"name": "Cup", "variants": [{"sku": "MUG-RED", "price": "1"}]}, "variants[0].sku"),
        (
            {
                "name": "Cup",
                "variants": [{"sku": "C-1", "price": "1"}, {"sku": "C-1", "price": "2"}],
            },
            "variants[1].sku",
        ),
    ],
)
def test_duplicates_are_409_naming_the_field_and_write_nothing(api, body, field):
    # given
    create_mug(api)
    before = row_counts()

    # when
    response = api("post", "/api/products", body)

    # then
    body = assert_error(response, 409, response.json()["code"], field)
    assert body["code"] in {"duplicate_sku", "duplicate_slug"}
    assert row_counts() == before


def test_a_duplicate_sku_on_a_new_variant_or_a_patch_is_409(api):
    # given
    mug = create_mug(api)
    before = row_counts()

    # when
    added = api("post", f"/api/products/{mug['id']}/variants", {"sku": "MUG-RED", "price": "1"})

    # then
    assert_error(added, 409, "duplicate_sku", "sku")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/variants/MUG-RED", {"price": "-0.01"}, "price"),
        ("/api/variants/MUG-RED", {"price": None}, "price"),
        ("/api/variants/MUG-RED", {"active": None}, "active"),
        ("/api/variants/MUG-RED", {"weight_grams": 2**31}, "weight_grams"),
        ("/api/products/{id}", {"name": None}, "name"),
        ("/api/products/{id}", {"name": ""}, "name"),
        ("/api/products/{id}", {"name": "   "}, "name"),
        ("/api/variants/MUG-RED", {"low_stock_threshold": -1}, "low_stock_threshold"),
        ("/api/products/{id}", {"active": "perhaps"}, "active"),
    ],
)
def test_an_invalid_patch_names_the_field_and_writes_nothing(api, path, body, field):
    # given
    mug = create_mug(api)
    before = row_counts()

    # when
    response = api("patch", path.format(id=mug["id"]), body)

    # then
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert row_counts() == before
    assert api("get", f"/api/products/{mug['id']}").json() == mug


def test_unknown_variant_is_404_naming_the_sku(api):
    # when
    response = api("patch", "/api/variants/NOPE", {"price": "1"})

    # then
    assert_error(response, 404, "not_found", "sku")


def test_a_read_only_token_cannot_write(client, reader_auth):
    # given
    before = row_counts()

    # when
    response = client.post(
        "/api/products", MUG, content_type="application/json", headers=reader_auth
    )

    # then
    assert response.status_code == 403
    assert row_counts() == before


# --- suppliers ------------------------------------------------------------------------------

ACME = {"name": "Acme Ceramics", "email": "orders@acme.example", "lead_time_days": 10}


def test_a_supplier_is_created_listed_fetched_and_patched(api):
    # when
    created = api("post", "/api/suppliers", ACME)
    supplier_id = created.json()["id"]
    patched = api("patch", f"/api/suppliers/{supplier_id}", {"min_order_quantity": 24})
    listed = api("get", "/api/suppliers")
    fetched = api("get", f"/api/suppliers/{supplier_id}")

    # then
    assert created.status_code == 201
    assert created.json() == {
        "id": supplier_id,
        "name": "Acme Ceramics",
        "email": "orders@acme.example",
        "lead_time_days": 10,
        "min_order_quantity": 1,
        "items": [],
    }
    assert patched.status_code == 200
    assert patched.json()["min_order_quantity"] == 24
    assert [s["name"] for s in listed.json()["items"]] == ["Acme Ceramics"]
    assert fetched.json() == patched.json()
    assert list(Event.objects.filter(type__startswith="supplier.").values_list("type")) == [
        ("supplier.created",),
        ("supplier.updated",),
    ]


def test_supplier_items_are_set_and_replaced(api):
    # given
    create_mug(api)
    supplier_id = api("post", "/api/suppliers", ACME).json()["id"]
    path = f"/api/suppliers/{supplier_id}/items"

    # when
    first = api("put", path, {"sku": "MUG-RED", "supplier_sku": "AC-77", "unit_cost": "4.10"})
    again = api("put", path, {"sku": "MUG-RED", "supplier_sku": "AC-77R", "unit_cost": "3.95"})
    other = api("put", path, {"sku": "MUG-BLUE", "supplier_sku": "AC-78", "unit_cost": "4"})

    # then
    assert first.status_code == again.status_code == other.status_code == 200
    assert first.json()["items"] == [
        {"sku": "MUG-RED", "supplier_sku": "AC-77", "unit_cost": "4.10", "currency": "EUR"}
    ]
    assert sorted((i["sku"], i["supplier_sku"], i["unit_cost"]) for i in other.json()["items"]) == [
        ("MUG-BLUE", "AC-78", "4.00"),
        ("MUG-RED", "AC-77R", "3.95"),
    ]
    assert SupplierItem.objects.count() == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", "/api/suppliers", {**ACME, "email": "not an email"}, 422, "email"),
        ("post", "/api/suppliers", {**ACME, "name": ""}, 422, "name"),
        ("post", "/api/suppliers", {**ACME, "name": "   "}, 422, "name"),
        ("post", "/api/suppliers", {**ACME, "lead_time_days": -1}, 422, "lead_time_days"),
        ("post", "/api/suppliers", {**ACME, "min_order_quantity": 0}, 422, "min_order_quantity"),
        ("post", "/api/suppliers", ACME, 409, "name"),  # the same name again
        ("patch", "/api/suppliers/{id}", {"name": "Globex"}, 409, "name"),
        ("patch", "/api/suppliers/{id}", {"email": None}, 422, "email"),
        ("patch", "/api/suppliers/{id}", {"name": "  "}, 422, "name"),
        ("patch", "/api/suppliers/{id}", {"min_order_quantity": 2**31}, 422, "min_order_quantity"),
        (
            "put",
            "/api/suppliers/{id}/items",
            {"sku": "MUG-RED", "supplier_sku": "X", "unit_cost": "-1"},
            422,
            "unit_cost",
        ),
        (
            "put",
            "/api/suppliers/{id}/items",
            {"sku": "MUG-RED", "supplier_sku": "", "unit_cost": "1"},
            422,
            "supplier_sku",
        ),
        (
            "put",
            "/api/suppliers/{id}/items",
            {"sku": "NOPE", "supplier_sku": "X", "unit_cost": "1"},
            404,
            "sku",
        ),
    ],
)
def test_invalid_supplier_input_names_the_field_and_writes_nothing(
    api, method, path, body, status, field
):
    # given
    create_mug(api)
    acme = api("post", "/api/suppliers", ACME).json()
    api("post", "/api/suppliers", {**ACME, "name": "Globex"})
    before = row_counts()

    # when
    response = api(method, path.format(id=acme["id"]), body)

    # then
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert row_counts() == before


# --- query counts ---------------------------------------------------------------------------


def queries_for(client, headers, path: str) -> int:
    client.get(path, headers=headers)  # warm up: the token's last-used stamp is written once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(queries)


def test_listing_products_takes_the_same_queries_for_3_or_30(
    client, owner_auth, django_assert_num_queries
):
    # given
    for i in range(3):
        make_variant(f"Q-{i:02}", stock=0)
    few = queries_for(client, owner_auth, "/api/products")
    for i in range(3, 30):
        make_variant(f"Q-{i:02}", stock=0)
    assert Product.objects.count() == 30 and Variant.objects.count() == 30

    # when / then
    with django_assert_num_queries(few):
        response = client.get("/api/products", headers=owner_auth)
    assert response.json()["count"] == 30
    assert len(response.json()["items"]) == 30
