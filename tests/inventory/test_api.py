"""The stock API through HTTP: stock list and filters, adjustments, counts and the ledger."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.conftest import assert_error, row_counts
from tests.factories import make_variant
from tests.inventory.conftest import place, stock_of


@pytest.fixture
def api(client, owner_auth):
    def call(method: str, path: str, body=None):
        kwargs = {"headers": owner_auth}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(path, **kwargs)

    return call


@pytest.fixture
def shelf(default_location, accepting_policy):
    """Three SKUs: plenty, low (3 left of threshold 5, one of them reserved) and sold out."""
    plenty = make_variant("SHELF-A", stock=40)
    low = make_variant("SHELF-B", stock=4)
    out = make_variant("SHELF-C", stock=0)
    place(("SHELF-B", 1))
    return plenty, low, out


def test_stock_is_listed_with_available_and_low(api, shelf):
    # when
    body = api("get", "/api/stock").json()

    # then
    rows = {r["sku"]: r for r in body["items"]}
    assert list(rows) == ["SHELF-A", "SHELF-B", "SHELF-C"]
    assert rows["SHELF-B"] == {
        "sku": "SHELF-B",
        "title": "Product SHELF-B",
        "location": "main",
        "on_hand": 4,
        "reserved": 1,
        "available": 3,
        "low_stock_threshold": 5,
        "low": True,
    }
    assert [r["low"] for r in rows.values()] == [False, True, True]
    assert body["count"] == 3


def test_stock_is_filtered_by_low_and_sku(api, shelf):
    # when
    low = api("get", "/api/stock?low=true").json()
    not_low = api("get", "/api/stock?low=false").json()
    one = api("get", "/api/stock?sku=SHELF-A").json()
    none = api("get", "/api/stock?sku=NOPE").json()
    bad = api("get", "/api/stock?low=perhaps")

    # then
    assert [r["sku"] for r in low["items"]] == ["SHELF-B", "SHELF-C"]
    assert [r["sku"] for r in not_low["items"]] == ["SHELF-A"]
    assert [r["sku"] for r in one["items"]] == ["SHELF-A"]
    assert none == {
        "items": [],
        "count": 0,
        "page": 1,
        "pages": 1,
        "limit": 50,
        "has_more": False,
    }
    assert_error(bad, 422, "invalid_input", "low")


def test_an_adjustment_is_recorded_with_who_and_why(api, shelf):
    # given
    plenty, _, _ = shelf

    # when
    response = api("post", "/api/stock/SHELF-A/adjustments", {"quantity": -3, "reason": "broken"})

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("sku", "kind", "quantity", "balance_after", "reason")} == {
        "sku": "SHELF-A",
        "kind": "adjustment",
        "quantity": -3,
        "balance_after": 37,
        "reason": "broken",
    }
    assert body["actor_kind"] == "token"
    assert body["actor_label"].startswith("olivia")
    assert stock_of(plenty).on_hand == 37


def test_a_receipt_needs_no_reason(api, shelf):
    # when
    response = api("post", "/api/stock/SHELF-C/adjustments", {"quantity": 12, "kind": "receipt"})

    # then
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["balance_after"]) == ("receipt", 12)


@pytest.mark.parametrize(
    ("sku", "body", "status", "code", "field"),
    [
        ("SHELF-A", {"quantity": -3}, 422, "reason_required", "reason"),
        ("SHELF-A", {"quantity": -3, "reason": "  "}, 422, "reason_required", "reason"),
        ("SHELF-A", {"quantity": 0, "reason": "x"}, 422, "invalid_quantity", "quantity"),
        ("SHELF-A", {"quantity": -2, "kind": "receipt"}, 422, "invalid_quantity", "quantity"),
        ("SHELF-A", {"quantity": -2, "kind": "sale", "reason": "x"}, 422, "invalid_input", "kind"),
        ("SHELF-A", {"quantity": "many", "reason": "x"}, 422, "invalid_input", "quantity"),
        ("SHELF-A", {"quantity": 2**31, "kind": "receipt"}, 422, "invalid_input", "quantity"),
        ("SHELF-A", {"reason": "x"}, 422, "invalid_input", "quantity"),
        ("SHELF-B", {"quantity": -4, "reason": "x"}, 409, "below_reserved", "quantity"),
        ("NOPE", {"quantity": 1, "kind": "receipt"}, 404, "not_found", "sku"),
    ],
)
def test_a_bad_adjustment_names_the_field_and_changes_nothing(
    api, shelf, sku, body, status, code, field
):
    # given
    before = row_counts()

    # when
    response = api("post", f"/api/stock/{sku}/adjustments", body)

    # then
    assert_error(response, status, code, field)
    assert row_counts() == before


def test_a_count_corrects_on_hand_and_a_matching_count_writes_nothing(api, shelf):
    # given
    plenty, _, _ = shelf

    # when
    corrected = api("post", "/api/stock/SHELF-A/counts", {"counted": 38, "reason": "shelf count"})
    before = row_counts()
    matched = api("post", "/api/stock/SHELF-A/counts", {"counted": 38})

    # then
    assert corrected.status_code == 201
    body = corrected.json()
    assert (body["kind"], body["quantity"], body["balance_after"]) == ("count", -2, 38)
    assert body["reason"] == "shelf count"
    assert matched.status_code == 201
    assert matched.json() is None
    assert row_counts() == before
    assert stock_of(plenty).on_hand == 38


@pytest.mark.parametrize(
    ("sku", "body", "status", "code", "field"),
    [
        ("SHELF-A", {"counted": -1}, 422, "invalid_input", "counted"),
        ("SHELF-A", {"counted": 2**31}, 422, "invalid_input", "counted"),
        ("SHELF-A", {"counted": 3, "reason": ""}, 422, "invalid_input", "reason"),
        ("SHELF-B", {"counted": 0}, 409, "below_reserved", "counted"),
        ("NOPE", {"counted": 3}, 404, "not_found", "sku"),
    ],
)
def test_a_bad_count_names_the_field_and_changes_nothing(
    api, shelf, sku, body, status, code, field
):
    # given
    before = row_counts()

    # when
    response = api("post", f"/api/stock/{sku}/counts", body)

    # then
    assert_error(response, status, code, field)
    assert row_counts() == before


def test_the_ledger_is_listed_newest_first_in_pages(api, shelf):
    # given: the initial receipt and six adjustments
    for i in range(1, 7):
        api("post", "/api/stock/SHELF-A/adjustments", {"quantity": i, "reason": f"found {i}"})

    # when
    first = api("get", "/api/stock/SHELF-A/ledger?page_size=3").json()
    last = api("get", "/api/stock/SHELF-A/ledger?page_size=3&page=3").json()
    past = api("get", "/api/stock/SHELF-A/ledger?page_size=3&page=4")
    other = api("get", "/api/stock/SHELF-B/ledger").json()
    missing = api("get", "/api/stock/NOPE/ledger")

    # then
    assert (first["count"], first["pages"]) == (7, 3)
    assert [m["quantity"] for m in first["items"]] == [6, 5, 4]
    assert [m["balance_after"] for m in first["items"]] == [61, 55, 50]
    assert [(m["kind"], m["quantity"]) for m in last["items"]] == [("receipt", 40)]
    assert past.status_code == 200
    assert (past.json()["items"], past.json()["has_more"]) == ([], False)
    assert [m["sku"] for m in other["items"]] == ["SHELF-B"]
    assert_error(missing, 404, "not_found", "sku")


def test_listing_stock_takes_the_same_queries_for_3_or_30(
    client, owner_auth, default_location, django_assert_num_queries
):
    # given
    for i in range(3):
        make_variant(f"Q-{i:02}", stock=i)
    client.get("/api/stock", headers=owner_auth)  # the token's last-used stamp is written once
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/stock", headers=owner_auth)
    few = len(queries)  # now: a later request resets the log it reads
    for i in range(3, 30):
        make_variant(f"Q-{i:02}", stock=i)

    # when / then
    with django_assert_num_queries(few):
        response = client.get("/api/stock", headers=owner_auth)
    assert response.json()["count"] == 30
    assert len(response.json()["items"]) == 30


def test_the_ledger_takes_the_same_queries_for_3_or_30_movements(
    api, client, owner_auth, default_location, django_assert_num_queries
):
    # given
    make_variant("Q-LEDGER", stock=1)
    for _ in range(2):
        api("post", "/api/stock/Q-LEDGER/adjustments", {"quantity": 1, "kind": "receipt"})
    client.get("/api/stock/Q-LEDGER/ledger", headers=owner_auth)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/stock/Q-LEDGER/ledger", headers=owner_auth)
    few = len(queries)  # now: a later request resets the log it reads
    for _ in range(27):
        api("post", "/api/stock/Q-LEDGER/adjustments", {"quantity": 1, "kind": "receipt"})

    # when / then
    with django_assert_num_queries(few):
        response = client.get("/api/stock/Q-LEDGER/ledger", headers=owner_auth)
    assert response.json()["count"] == 30
