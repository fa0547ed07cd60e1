"""The purchasing API through HTTP: reorder policies, drafting, the list and one order, line
edits, sending, receiving, cancelling, the PDF and CSV; roles; bounded queries on the list."""

import base64
import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.emails.models import EmailSend
from soloops.inventory.selectors import ledger_mismatches
from soloops.purchasing.models import PurchaseOrder
from soloops.purchasing.services import purchase_orders_draft_for_low_stock
from tests.factories import SYSTEM
from tests.purchasing.conftest import assert_error, make_supplier, row_counts, sells, sku

pytestmark = pytest.mark.usefixtures("default_location")


@pytest.fixture
def mugs():
    """A supplier selling two SKUs that are both short: blue orders 10, red orders 6."""
    supplier = make_supplier("Mug Maker", moq=6, lead_time_days=10)
    blue = sku("MUG-BLUE", stock=0, threshold=5)
    red = sku("MUG-RED", stock=4, threshold=5)
    sells(supplier, blue, cost="3.00", supplier_sku="MM-100")
    sells(supplier, red, cost="2.50", supplier_sku="MM-200")
    return supplier


def drafted(api) -> dict:
    response = api("post", "/api/purchase-orders/draft-for-low-stock")
    assert response.status_code == 200, response.content
    return response.json()


def detail(api, number: str) -> dict:
    response = api("get", f"/api/purchase-orders/{number}")
    assert response.status_code == 200, response.content
    return response.json()


def test_draft_then_read_the_order_with_its_lines_and_reasons(api, mugs):
    # when
    body = drafted(api)

    # then
    [summary] = body["created"]
    assert body["extended"] == []
    assert summary["supplier"] == "Mug Maker"
    assert (summary["status"], summary["total"], summary["line_count"]) == ("draft", "45.00", 2)

    po = detail(api, summary["number"])
    assert po["supplier"] == {"id": mugs.pk, "name": "Mug Maker", "email": mugs.email}
    lines = {ln["sku"]: ln for ln in po["lines"]}
    assert {s: (ln["quantity_ordered"], ln["supplier_sku"]) for s, ln in lines.items()} == {
        "MUG-BLUE": (10, "MM-100"),
        "MUG-RED": (6, "MM-200"),
    }
    [why] = lines["MUG-RED"]["reason"]
    assert {k: why[k] for k in ("available", "reserved", "incoming", "reorder_point")} == {
        "available": 4,
        "reserved": 0,
        "incoming": 0,
        "reorder_point": 5,
    }
    assert (why["target_level"], why["shortfall"], why["min_order_quantity"]) == (10, 6, 6)
    assert [e["type"] for e in po["timeline"]] == ["purchase_order.drafted"]

    # and a second run right after orders nothing
    assert drafted(api) == {"created": [], "extended": []}


def test_the_list_filters_by_status_and_supplier(api, mugs):
    # given: one sent order from the mug maker, one draft from another supplier
    number = drafted(api)["created"][0]["number"]
    assert api("post", f"/api/purchase-orders/{number}/send").status_code == 200
    tea = make_supplier("Tea House")
    sells(tea, sku("TEA-1", stock=0))
    other = drafted(api)["created"][0]["number"]

    def numbers(query: str) -> list[str]:
        response = api("get", f"/api/purchase-orders{query}")
        assert response.status_code == 200, response.content
        return [row["number"] for row in response.json()["items"]]

    # then: newest first, filtered
    assert numbers("") == [other, number]
    assert numbers("?status=sent") == [number]
    assert numbers(f"?supplier_id={tea.pk}") == [other]
    assert numbers("?status=received") == []
    bad = api("get", "/api/purchase-orders?status=lost")
    assert_error(bad, 422, "invalid_input", "status")


def test_line_edits_send_receive_and_an_over_receipt_through_http(api, mugs):
    number = drafted(api)["created"][0]["number"]

    # when: the owner edits the draft
    edited = api(
        "patch",
        f"/api/purchase-orders/{number}/lines",
        {"lines": [{"sku": "MUG-RED", "quantity": 8, "unit_cost": "2.40"}]},
    )
    # then
    assert edited.status_code == 200, edited.content
    red = next(ln for ln in edited.json()["lines"] if ln["sku"] == "MUG-RED")
    assert (red["quantity_ordered"], red["unit_cost"], red["line_total"]) == (8, "2.40", "19.20")
    assert edited.json()["total"] == "49.20"
    under = api(
        "patch",
        f"/api/purchase-orders/{number}/lines",
        {"lines": [{"sku": "MUG-RED", "quantity": 2}]},
    )
    assert_error(under, 422, "invalid_quantity", "lines[0].quantity")

    # when: sent
    sent = api("post", f"/api/purchase-orders/{number}/send")
    # then: one e-mail with the order attached, and the draft's lines are now fixed
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    [email] = EmailSend.objects.all()
    assert email.to == mugs.email
    assert email.idempotency_key == f"purchase_order:{PurchaseOrder.objects.get().pk}:sent"
    assert [a["mimetype"] for a in email.attachments] == ["application/pdf", "text/csv"]
    again = api("post", f"/api/purchase-orders/{number}/send")
    assert_error(again, 409, "illegal_transition", "status")
    assert EmailSend.objects.count() == 1
    locked = api(
        "patch",
        f"/api/purchase-orders/{number}/lines",
        {"lines": [{"sku": "MUG-RED", "quantity": 9}]},
    )
    assert_error(locked, 409, "illegal_transition", "status")

    # when: part arrives
    ids = {ln["sku"]: ln["id"] for ln in sent.json()["lines"]}
    partial = api(
        "post",
        f"/api/purchase-orders/{number}/receive",
        {"lines": [{"line_id": ids["MUG-BLUE"], "quantity": 7}]},
    )
    # then
    assert partial.status_code == 200, partial.content
    assert partial.json()["status"] == "partially_received"
    blue = next(ln for ln in partial.json()["lines"] if ln["sku"] == "MUG-BLUE")
    assert (blue["quantity_received"], blue["quantity_remaining"]) == (7, 3)

    # when: more than is still expected, twice over
    before = row_counts()
    for body in (
        {
            "lines": [
                {"line_id": ids["MUG-RED"], "quantity": 8},
                {"line_id": ids["MUG-BLUE"], "quantity": 4},
            ]
        },
        {"lines": [{"line_id": ids["MUG-BLUE"], "quantity": 4}]},
    ):
        over = api("post", f"/api/purchase-orders/{number}/receive", body)
        # then: refused naming the line, nothing changed
        error = assert_error(over, 409, "over_receipt", f"lines[{len(body['lines']) - 1}].quantity")
        assert error["extra"]["remaining"] == 3
        assert row_counts() == before

    # bad receipts name their field
    dup = {
        "lines": [
            {"line_id": ids["MUG-RED"], "quantity": 1},
            {"line_id": ids["MUG-RED"], "quantity": 1},
        ]
    }
    assert_error(
        api("post", f"/api/purchase-orders/{number}/receive", dup),
        422,
        "invalid_quantity",
        "lines[1].line_id",
    )
    zero = {"lines": [{"line_id": ids["MUG-RED"], "quantity": 0}]}
    assert_error(
        api("post", f"/api/purchase-orders/{number}/receive", zero),
        422,
        "invalid_input",
        "lines[0].quantity",
    )

    # when: the rest arrives
    done = api("post", f"/api/purchase-orders/{number}/receive", {})
    # then
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "received"
    assert [ln["quantity_remaining"] for ln in done.json()["lines"]] == [0, 0]
    assert ledger_mismatches() == []
    stock = api("get", "/api/stock?sku=MUG-BLUE").json()["items"][0]
    assert stock["on_hand"] == 10
    assert [e["type"] for e in done.json()["timeline"]] == [
        "purchase_order.drafted",
        "purchase_order.lines_changed",
        "purchase_order.sent",
        "purchase_order.partially_received",
        "purchase_order.received",
    ]


def test_cancel_through_http(api, mugs):
    number = drafted(api)["created"][0]["number"]
    response = api("post", f"/api/purchase-orders/{number}/cancel", {"reason": "changed my mind"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "cancelled",
        "changed my mind",
    )
    assert_error(
        api("post", f"/api/purchase-orders/{number}/cancel", {}),
        409,
        "illegal_transition",
        "status",
    )


def test_the_order_as_pdf_and_csv(api, mugs):
    number = drafted(api)["created"][0]["number"]

    pdf = api("get", f"/api/purchase-orders/{number}.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{number}.pdf"' in pdf["Content-Disposition"]

    response = api("get", f"/api/purchase-orders/{number}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        [
            "po_number",
            "supplier_sku",
            "sku",
            "description",
            "quantity",
            "unit_cost",
            "line_total",
            "currency",
        ],
        [number, "MM-100", "MUG-BLUE", "Product MUG-BLUE", "10", "3.00", "30.00", "EUR"],
        [number, "MM-200", "MUG-RED", "Product MUG-RED", "6", "2.50", "15.00", "EUR"],
    ]

    assert_error(api("get", "/api/purchase-orders/PO-2026-NOSUCH.pdf"), 404, "not_found", None)
    assert_error(api("get", "/api/purchase-orders/PO-2026-NOSUCH"), 404, "not_found", None)


def test_a_pdf_with_chinese_product_names_and_labels(api, settings):
    # given: a Chinese product name, the shop writing in Chinese
    settings.LANGUAGE_CODE = "zh-hans"
    supplier = make_supplier("Tea House")
    sells(supplier, sku("TEA-1", stock=0, name="龙井茶"))
    [po] = purchase_orders_draft_for_low_stock(actor=SYSTEM).created

    # when
    response = api("get", f"/api/purchase-orders/{po.number}.pdf")

    # then
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_reorder_policies_read_defaults_and_are_replaced_by_put(api, mugs):
    # when: no policy saved yet
    response = api("get", "/api/reorder-policies/MUG-BLUE")
    # then: the defaults
    assert response.status_code == 200, response.content
    assert response.json() == {
        "sku": "MUG-BLUE",
        "saved": False,
        "reorder_point": 5,
        "reorder_point_source": "low_stock_threshold",
        "target_level": 10,
        "target_level_source": "twice_reorder_point",
        "preferred_supplier_id": None,
        "auto_send": False,
        "supplier": {
            "supplier_id": mugs.pk,
            "supplier_name": "Mug Maker",
            "supplier_sku": "MM-100",
            "unit_cost": "3.00",
            "min_order_quantity": 6,
            "lead_time_days": 10,
        },
        "supplier_choice": "cheapest",
    }

    # when
    put = api(
        "put",
        "/api/reorder-policies/MUG-BLUE",
        {
            "reorder_point": 8,
            "target_level": 20,
            "preferred_supplier_id": mugs.pk,
            "auto_send": True,
        },
    )
    # then
    assert put.status_code == 200, put.content
    body = put.json()
    assert (body["saved"], body["reorder_point"], body["target_level"], body["auto_send"]) == (
        True,
        8,
        20,
        True,
    )
    assert body["supplier_choice"] == "preferred"

    # bad input names its field and changes nothing
    before = row_counts()
    assert_error(
        api("put", "/api/reorder-policies/MUG-BLUE", {"reorder_point": 8, "target_level": 7}),
        422,
        "invalid_policy",
        "target_level",
    )
    assert_error(
        api("put", "/api/reorder-policies/MUG-BLUE", {"reorder_point": -1}),
        422,
        "invalid_input",
        "reorder_point",
    )
    assert_error(
        api("put", "/api/reorder-policies/MUG-BLUE", {"preferred_supplier_id": 999999}),
        422,
        "not_sold_by_supplier",
        "preferred_supplier_id",
    )
    assert_error(api("put", "/api/reorder-policies/NO-SUCH", {}), 404, "not_found", "sku")
    assert row_counts() == before


def test_a_viewer_reads_but_never_writes(client, api, mugs, viewer_auth, reader_auth, staff_auth):
    # given
    number = drafted(api)["created"][0]["number"]
    before = row_counts()
    writes = [
        ("post", "/api/purchase-orders/draft-for-low-stock", None),
        ("put", "/api/reorder-policies/MUG-BLUE", {"auto_send": True}),
        (
            "patch",
            f"/api/purchase-orders/{number}/lines",
            {"lines": [{"sku": "MUG-RED", "quantity": 9}]},
        ),
        ("post", f"/api/purchase-orders/{number}/send", None),
        ("post", f"/api/purchase-orders/{number}/receive", {}),
        ("post", f"/api/purchase-orders/{number}/cancel", {}),
    ]

    # when / then: a viewer (even with a write-scope token) and a read-only token get 403
    for headers in (viewer_auth, reader_auth):
        for method, path, body in writes:
            response = api(method, path, body, headers=headers)
            assert response.status_code == 403, (method, path, response.content)
        for path in (
            "/api/purchase-orders",
            f"/api/purchase-orders/{number}",
            f"/api/purchase-orders/{number}.csv",
            "/api/reorder-policies/MUG-BLUE",
        ):
            assert api("get", path, headers=headers).status_code == 200, path
    assert row_counts() == before

    # and without credentials: 401
    assert client.get("/api/purchase-orders").status_code == 401

    # and staff may run the shop's purchasing
    response = api("post", f"/api/purchase-orders/{number}/cancel", {}, headers=staff_auth)
    assert response.status_code == 200, response.content


def test_the_list_takes_the_same_number_of_queries_for_3_or_30_orders(api):
    def make_orders(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            supplier = make_supplier(f"Supplier {i}")
            sells(supplier, sku(f"SKU-{i}", stock=0))
            sells(supplier, sku(f"SKU-{i}-B", stock=0))
        purchase_orders_draft_for_low_stock(actor=SYSTEM)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api("get", "/api/purchase-orders?page_size=100")
        assert response.status_code == 200
        return len(queries)

    # given
    make_orders(3, 0)
    list_queries()  # the token's last use is written at most once a minute: not in the count
    few = list_queries()
    make_orders(27, 3)

    # when
    many = list_queries()

    # then
    assert PurchaseOrder.objects.count() == 30
    assert many == few
    assert many <= 6


def test_an_email_attachment_is_the_same_pdf_as_the_download(api, mugs):
    number = drafted(api)["created"][0]["number"]
    api("post", f"/api/purchase-orders/{number}/send")
    [email] = EmailSend.objects.all()
    attached = base64.b64decode(email.attachments[0]["content"])
    assert attached.startswith(b"%PDF")
    csv_attached = base64.b64decode(email.attachments[1]["content"]).decode("utf-8-sig")
    assert csv_attached.splitlines()[1].startswith(f"{number},MM-100,MUG-BLUE,")
