"""The fulfillment API through HTTP, as a caller would use it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.fulfillment.models import Shipment
from soloops.inventory.selectors import ledger_mismatches
from soloops.inventory.services import stock_change
from soloops.orders.models import Order
from tests.fulfillment.conftest import (
    SYSTEM,
    Api,
    assert_error,
    events,
    line_of,
    make_token,
    paid,
    place,
    snapshot,
    stock,
)
from tests.fulfillment.pdftext import page_count, pdf_text


def create(api: Api, order, **body):
    return api.post(f"/api/orders/{order.number}/shipments", {"carrier": "sandbox", **body})


def test_ship_an_order_in_two_parcels_through_the_api(shop, staff_api):
    # given a paid order of 3 mugs and a poster
    order = paid(("MUG-1", 3), ("POSTER-1", 1))

    # when 2 mugs go first, named by SKU
    first = create(staff_api, order, service="standard", lines=[{"sku": "MUG-1", "quantity": 2}])

    # then
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["number"].startswith("SH-")
    assert body["order_number"] == order.number
    assert body["status"] == "created"
    assert body["tracking_number"].startswith("SBX")
    assert body["has_label"] is True
    assert [(ln["sku"], ln["quantity"]) for ln in body["lines"]] == [("MUG-1", 2)]
    assert Order.objects.get(pk=order.pk).status == "fulfilling"

    # when the rest goes in a second parcel (no lines: everything left), and both ship
    second = create(staff_api, order, service="express").json()
    assert [(ln["sku"], ln["quantity"]) for ln in second["lines"]] == [
        ("MUG-1", 1),
        ("POSTER-1", 1),
    ]
    shipped = [staff_api.post(f"/api/shipments/{s['number']}/ship") for s in (body, second)]

    # then
    assert [r.status_code for r in shipped] == [200, 200]
    assert [r.json()["status"] for r in shipped] == ["shipped", "shipped"]
    assert shipped[0].json()["shipped_at"] is not None
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert (stock("MUG-1").on_hand, stock("MUG-1").reserved) == (7, 0)
    assert ledger_mismatches() == []

    # when both arrive
    for s in (body, second):
        assert staff_api.post(f"/api/shipments/{s['number']}/deliver").status_code == 200

    # then
    assert Order.objects.get(pk=order.pk).status == "delivered"
    listed = staff_api.get(f"/api/orders/{order.number}/shipments").json()["items"]
    assert sorted(s["status"] for s in listed) == ["delivered", "delivered"]


def test_over_shipping_names_the_line_and_writes_nothing(shop, staff_api):
    # given
    order = paid(("MUG-1", 3))
    before = snapshot()

    # when
    response = create(
        staff_api,
        order,
        service="standard",
        lines=[{"order_line_id": line_of(order, "MUG-1").pk, "quantity": 4}],
    )

    # then
    body = assert_error(response, 422, "over_shipping", "lines[0].quantity")
    assert body["extra"]["left"] == 3
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"service": "standard", "lines": [{"quantity": 1}]}, 422, "invalid_input", "lines[0]"),
        (
            {"service": "standard", "lines": [{"sku": "MUG-1", "order_line_id": 1, "quantity": 1}]},
            422,
            "invalid_input",
            "lines[0]",
        ),
        (
            {"service": "standard", "lines": [{"sku": "NOPE", "quantity": 1}]},
            422,
            "invalid_line",
            "lines[0].sku",
        ),
        ({"service": "standard", "lines": []}, 422, "invalid_input", "lines"),
        ({"service": "overnight"}, 422, "unknown_service", "service"),
        ({"carrier": "pigeon", "service": "standard"}, 422, "unknown_carrier", "carrier"),
        (
            {"service": "standard", "tracking_number": "X1"},
            422,
            "invalid_tracking",
            "tracking_number",
        ),
    ],
)
def test_bad_input_names_the_field(shop, staff_api, body, status, code, field):
    # given
    order = paid(("MUG-1", 1))
    before = snapshot()

    # when
    response = create(staff_api, order, **body)

    # then
    assert_error(response, status, code, field)
    assert snapshot() == before


def test_an_unpaid_order_cannot_ship(shop, staff_api):
    # given
    order = place(("MUG-1", 1))

    # when
    response = create(staff_api, order, service="standard")

    # then
    assert_error(response, 409, "order_not_shippable", "order")


def test_a_retried_create_with_an_idempotency_key_makes_one_shipment(shop, staff_api):
    # given
    order = paid(("MUG-1", 3))
    key = {"Idempotency-Key": "create-ship-1"}
    body = {"carrier": "sandbox", "service": "standard", "lines": [{"sku": "MUG-1", "quantity": 1}]}

    # when
    first = staff_api.post(f"/api/orders/{order.number}/shipments", body, headers=key)
    again = staff_api.post(f"/api/orders/{order.number}/shipments", body, headers=key)

    # then
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["number"] == again.json()["number"]
    assert Shipment.objects.count() == 1


def test_the_viewer_and_read_tokens_may_look_but_not_ship(shop, client, staff_api, viewer_api):
    # given a shipment
    order = paid(("MUG-1", 1))
    number = create(staff_api, order, service="standard").json()["number"]
    reader = Api(client, make_token("rita", role="staff", scope="read"))
    before = snapshot()

    # then the viewer and a read token may read it and its PDFs
    for api in (viewer_api, reader):
        assert api.get(f"/api/shipments/{number}").status_code == 200
        assert api.get("/api/shipments").json()["count"] == 1
        assert api.get(f"/api/shipments/{number}/packing-slip.pdf").status_code == 200
        assert api.get(f"/api/shipments/{number}/label.pdf").status_code == 200

    # and may not create, ship, deliver or cancel
    for api in (viewer_api, reader):
        assert create(api, order, service="standard").status_code == 403
        for action in ("ship", "deliver", "cancel", "label"):
            response = api.post(f"/api/shipments/{number}/{action}")
            assert_error(response, 403, "read_only", None)
    assert snapshot() == before


def test_no_token_no_shipments(shop, client):
    assert client.get("/api/shipments").status_code == 401


def test_an_unknown_shipment_is_not_found(shop, staff_api):
    assert_error(staff_api.get("/api/shipments/SH-NOPE0000"), 404, "not_found", None)
    assert_error(staff_api.post("/api/shipments/SH-NOPE0000/ship"), 404, "not_found", None)
    assert_error(staff_api.get("/api/orders/SO-NOPE/shipments"), 404, "not_found", None)


def test_the_list_filters_by_status_and_pages(shop, staff_api):
    # given three shipments, one shipped and one cancelled
    numbers = [
        create(staff_api, paid(("MUG-1", 1)), service="standard").json()["number"] for _ in range(3)
    ]
    staff_api.post(f"/api/shipments/{numbers[0]}/ship")
    cancelled = staff_api.post(
        f"/api/shipments/{numbers[1]}/cancel", {"reason": "lost in the shop"}
    )
    assert cancelled.json()["status"] == "cancelled"

    # when
    everything = staff_api.get("/api/shipments", page_size=2).json()
    page_two = staff_api.get("/api/shipments", page_size=2, page=2).json()
    shipped = staff_api.get("/api/shipments", status="shipped").json()

    # then newest first, two to a page
    assert (everything["count"], everything["pages"]) == (3, 2)
    assert [s["number"] for s in everything["items"] + page_two["items"]] == numbers[::-1]
    assert [s["number"] for s in shipped["items"]] == [numbers[0]]
    assert_error(staff_api.get("/api/shipments", status="lost"), 422, "invalid_input", "status")


def test_listing_shipments_takes_the_same_queries_for_2_or_12(shop, staff_api):
    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = staff_api.get("/api/shipments")
        assert response.status_code == 200
        return len(queries)

    # given stock for a dozen orders, and two shipments of two lines each
    for variant in (shop["MUG-1"], shop["POSTER-1"]):
        stock_change(variant=variant, quantity=20, kind="receipt", actor=SYSTEM)
    for _ in range(2):
        create(staff_api, paid(("MUG-1", 1), ("POSTER-1", 1)), service="standard")
    few = list_queries()

    # when ten more
    for _ in range(10):
        create(staff_api, paid(("MUG-1", 1), ("POSTER-1", 1)), service="standard")
    many = list_queries()

    # then
    assert many == few
    assert few <= 6  # authentication, count, shipments with order and customer, lines


def test_packing_slip_and_label_are_pdfs(shop, staff_api, readable_pdfs):
    # given
    order = paid(("MUG-1", 1))
    shipment = create(staff_api, order, service="standard").json()

    # when
    slip = staff_api.get(f"/api/shipments/{shipment['number']}/packing-slip.pdf")
    label = staff_api.get(f"/api/shipments/{shipment['number']}/label.pdf")

    # then
    for response in (slip, label):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert response.content.startswith(b"%PDF-")
        assert page_count(response.content) == 1
    assert order.number in pdf_text(slip.content)
    assert shipment["tracking_number"] in pdf_text(label.content)
    assert f'filename="packing-slip-{shipment["number"]}.pdf"' in slip["Content-Disposition"]


def test_a_manual_shipment_has_no_label(shop, staff_api):
    # given
    order = paid(("MUG-1", 1))
    shipment = create(
        staff_api,
        order,
        carrier="manual",
        service="Royal Mail Tracked 48",
        tracking_number="RR123456785GB",
        tracking_url="https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB",
    ).json()

    # then
    assert shipment["has_label"] is False
    assert shipment["tracking_number"] == "RR123456785GB"
    assert_error(
        staff_api.get(f"/api/shipments/{shipment['number']}/label.pdf"), 404, "no_label", None
    )


def test_a_batch_of_packing_slips_is_one_pdf_one_page_each(shop, staff_api, readable_pdfs):
    # given
    orders = [paid(("MUG-1", 1)) for _ in range(3)]
    numbers = [create(staff_api, o, service="standard").json()["number"] for o in orders]

    # when
    response = staff_api.post("/api/packing-slips", {"shipments": numbers})

    # then
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert page_count(response.content) == 3
    text = pdf_text(response.content)
    assert all(o.number in text for o in orders)

    # and an unknown number is named
    missing = staff_api.post("/api/packing-slips", {"shipments": [numbers[0], "SH-NOPE0000"]})
    assert_error(missing, 404, "not_found", "shipments[1]")


def test_a_cancelled_shipment_cannot_ship(shop, staff_api):
    # given
    order = paid(("MUG-1", 1))
    number = create(staff_api, order, service="standard").json()["number"]
    staff_api.post(f"/api/shipments/{number}/cancel")
    before = snapshot()

    # when
    response = staff_api.post(f"/api/shipments/{number}/ship")

    # then
    body = assert_error(response, 409, "illegal_transition", "status")
    assert body["extra"] == {"current": "cancelled", "requested": "shipped"}
    assert snapshot() == before
    assert events("shipment.shipped") == []


def test_the_packing_slip_names_the_delivery_method_chosen(shop, staff_api, readable_pdfs):
    # given an order that chose Express (1-2 days)
    from soloops.orders.services import shipping_rate_create

    shipping_rate_create(
        country="*", method="Express", amount="9.90", days_min=1, days_max=2, actor=SYSTEM
    )
    order = paid(("MUG-1", 1), shipping_method="Express")
    shipment = create(staff_api, order, service="standard").json()

    # when
    slip = staff_api.get(f"/api/shipments/{shipment['number']}/packing-slip.pdf")

    # then
    # (without a Unicode font the PDF writes the en dash as "?")
    assert re.search(r"Express \(1.2 days\)", pdf_text(slip.content))
