"""The shared input layer, through HTTP: what fault injection and fuzzing found answering 500 or
taking wrong input now gets a 4xx JSON error naming the field, and changes nothing.

Run on SQLite and on PostgreSQL: NUL characters broke PostgreSQL, 64-bit overflow broke SQLite.
"""

import json

import pytest
from django.test import override_settings

from soloops.automation.models import FlowRun
from soloops.catalog.models import Product, Supplier
from soloops.inventory.models import Movement, StockLevel
from soloops.orders.models import Order
from tests.api.conftest import assert_error
from tests.automation.conftest import publish
from tests.factories import make_variant

MANUAL_FLOW = """\
name: By hand
trigger: {manual: true}
steps:
  - do: log
    with: {message: "hi"}
"""


# --- 500s that are now 4xx ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/products", "q"),
        ("/api/stock", "sku"),
        ("/api/runs", "flow"),
        ("/api/orders", "q"),
    ],
)
def test_nul_in_a_query_filter_is_422_naming_it(owner_api, path, param):
    # when
    response = owner_api.get(path, **{param: "mug\x00"})

    # then
    data = assert_error(response, 422, "invalid_input", param)
    assert "NUL" in data["message"]


def test_nul_in_packing_slip_numbers_is_422_naming_the_item(owner_api):
    response = owner_api.post("/api/packing-slips", {"shipments": ["SH-1", "SH-\x002"]})

    assert_error(response, 422, "invalid_input", "shipments[1]")


def test_nul_in_a_flow_run_input_is_422_and_starts_no_run(owner_api):
    # given
    publish(MANUAL_FLOW, key="by-hand")

    # when NUL hides in a nested value, then in a key
    nested = owner_api.post("/api/flows/by-hand/runs", {"input": {"who": {"name": "A\x00"}}})
    key = owner_api.post("/api/flows/by-hand/runs", {"input": {"w\x00ho": "Ada"}})

    # then
    assert_error(nested, 422, "invalid_input", "input.who.name")
    assert_error(key, 422, "invalid_input", "input")
    assert FlowRun.objects.count() == 0


def test_nul_in_a_path_parameter_is_422(owner_api):
    response = owner_api.get("/api/stock/MUG%00/ledger")

    assert_error(response, 422, "invalid_input", "sku")


@pytest.mark.parametrize(
    ("path", "param"),
    [("/api/purchase-orders", "supplier_id"), ("/api/orders", "customer_id")],
)
@pytest.mark.parametrize("number", [str(2**63), str(-(2**63) - 1), "9" * 40])
def test_an_integer_past_64_bits_in_a_filter_is_422_naming_it(owner_api, path, param, number):
    response = owner_api.get(path, **{param: number})

    assert_error(response, 422, "invalid_input", param)


def test_the_largest_64_bit_integer_is_a_filter_that_finds_nothing(owner_api):
    response = owner_api.get("/api/orders", customer_id=str(2**63 - 1))

    assert response.status_code == 200, response.content
    assert response.json()["items"] == []


def test_an_integer_past_64_bits_in_a_body_is_422_naming_it(owner_api):
    make_variant("MUG-1")

    response = owner_api.put("/api/reorder-policies/MUG-1", {"preferred_supplier_id": 2**64})

    assert_error(response, 422, "invalid_input", "preferred_supplier_id")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000_000)
def test_a_body_past_the_upload_limit_is_413_and_writes_nothing(owner_api):
    # given a 5 MB body
    body = json.dumps({"name": "x" * 5_000_000}).encode()

    # when
    response = owner_api.post("/api/products", body)

    # then
    data = assert_error(response, 413, "body_too_large", "body")
    assert data["extra"] == {"limit": 1_000_000}
    assert Product.objects.count() == 0


# --- wrong input that was accepted ----------------------------------------------------------


@pytest.mark.parametrize("counted", [False, True, "0", 0.0, None])
def test_a_count_that_is_not_a_whole_number_is_refused_and_keeps_the_stock(owner_api, counted):
    # given 10 units on hand
    variant = make_variant("MUG-1", stock=10)

    # when
    response = owner_api.post("/api/stock/MUG-1/counts", {"counted": counted})

    # then
    assert_error(response, 422, "invalid_input", "counted")
    assert StockLevel.objects.get(variant=variant).on_hand == 10
    assert Movement.objects.filter(variant=variant).count() == 1


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("body", [[None, None], [], "text", 3])
def test_a_body_that_is_not_an_object_is_refused(owner_api, method, body):
    # given
    make_variant("MUG-1")
    path = "/api/variants/MUG-1" if method == "PATCH" else "/api/reorder-policies/MUG-1"

    # when
    response = owner_api.call(method, path, body)

    # then
    data = assert_error(response, 422, "invalid_input", "body")
    assert "JSON object" in data["message"]


@pytest.mark.parametrize("active", [0, 1, "true", "yes"])
def test_a_flag_takes_only_true_or_false(owner_api, active):
    variant = make_variant("MUG-1")

    response = owner_api.patch("/api/variants/MUG-1", {"active": active})

    assert_error(response, 422, "invalid_input", "active")
    variant.refresh_from_db()
    assert variant.active is True


@pytest.mark.parametrize("quantity", ["2", True, 2.0, 2.5])
def test_a_quantity_takes_only_a_whole_json_number(owner_api, quantity):
    make_variant("MUG-1")
    body = {"email": "ada@example.com", "lines": [{"sku": "MUG-1", "quantity": quantity}]}

    response = owner_api.post("/api/orders", body)

    assert_error(response, 422, "invalid_input", "lines[0].quantity")
    assert Order.objects.count() == 0


@pytest.mark.parametrize("price", [True, False])
def test_money_is_not_a_flag(owner_api, price):
    variant = make_variant("MUG-1", price="12.50")

    response = owner_api.patch("/api/variants/MUG-1", {"price": price})

    assert_error(response, 422, "invalid_input", "price")
    variant.refresh_from_db()
    assert str(variant.price) == "12.50"


@pytest.mark.parametrize("day", ["0", "1", "20260101", "yesterday"])
def test_a_date_filter_takes_only_yyyy_mm_dd(owner_api, day):
    response = owner_api.get("/api/orders", placed_to=day)

    assert_error(response, 422, "invalid_input", "placed_to")


def test_a_date_filter_takes_an_iso_date(owner_api):
    response = owner_api.get("/api/orders", placed_to="2026-01-01")

    assert response.status_code == 200, response.content


def test_a_text_plain_body_is_415_and_writes_nothing(owner_api):
    response = owner_api.post(
        "/api/suppliers",
        json.dumps({"name": "Acme", "email": "acme@example.com"}),
        content_type="text/plain",
    )

    assert_error(response, 415, "unsupported_media_type", "Content-Type")
    assert Supplier.objects.count() == 0


def test_malformed_json_is_400_naming_line_and_column(owner_api):
    response = owner_api.post("/api/suppliers", b'{\n  "name": "Acme",\n  oops\n}')

    data = assert_error(response, 400, "malformed_json", "body")
    assert data["extra"] == {"line": 3, "column": 3}
    assert "line 3" in data["message"]


def test_an_unknown_field_is_refused_by_name(owner_api):
    response = owner_api.post(
        "/api/suppliers", {"name": "Acme", "email": "acme@example.com", "discount": 5}
    )

    assert_error(response, 422, "invalid_input", "discount")
    assert Supplier.objects.count() == 0


def test_a_bad_email_is_reported_with_the_other_fields(owner_api):
    # given an order with a bad address and a bad line
    body = {"email": "not-an-email", "lines": [{"sku": "MUG-1", "quantity": 0}]}

    # when
    response = owner_api.post("/api/orders", body)

    # then both are reported at once, the email first
    data = assert_error(response, 422, "invalid_email", "email")
    fields = [e["field"] for e in data["extra"]["errors"]]
    assert fields == ["email", "lines[0].quantity"]


# --- the error shape for what Ninja answered itself -----------------------------------------


def test_a_method_not_allowed_is_405_json_with_allow(owner_api):
    response = owner_api.call("DELETE", "/api/products")

    data = assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert set(data["extra"]["allowed"]) == {"GET", "POST"}


def test_the_docs_load_swagger_from_this_server(client, owner_api):
    # when
    response = owner_api.client.get("/api/docs")

    # then no CDN: every script and style is served here
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
