"""Export every kind in every format, and import the export back: nothing changes (the round
trip). Formula-like text is escaped in CSV and kept as text in XLSX."""

import csv
import io
import json

import openpyxl
import pytest

from soloops.catalog.models import Product
from soloops.errors import InvalidInput
from soloops.integrations.selectors.imports import export_file
from tests.factories import make_variant
from tests.integrations.conftest import run, upload

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.test","click")'


def export(kind: str, fmt: str) -> bytes:
    chunks, _type, _name = export_file(entity=kind, file_format=fmt)
    return b"".join(chunks)


@pytest.fixture
def shop():
    """Some of everything, through the imports themselves and the factories."""
    run(upload("products_semicolon.csv"))
    run(upload("products_gbk.csv"))
    run(upload("customers.ndjson", "customers"))
    run(upload(b"email,customer id,name\n,SH-7,Id Only\nboth@example.com,SH-8,Both\n", "customers"))
    run(upload("suppliers.csv", "suppliers"))
    make_variant("MUG-1", stock=7)
    make_variant("MUG-2", stock=0)
    run(upload("supplier_items_gbk.csv", "supplier_items"))
    product = Product.objects.get(name="Mug")
    product.name = FORMULA  # as if typed in by hand
    product.save(update_fields=["name"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "ndjson"])
@pytest.mark.parametrize("kind", ["products", "customers", "stock", "suppliers", "supplier_items"])
def test_an_export_imports_back_without_a_change(shop, kind, fmt):
    # given an export
    data = export(kind, fmt)

    # when it is imported again
    job = run(upload(data, kind, filename=f"export.{fmt}"))

    # then every row is there, unchanged
    assert job.status == "imported", (job.error, job.report.get("errors"))
    report = job.report
    assert (report["create"], report["update"], report["rejected"]) == (0, 0, 0), report
    assert report["unchanged"] > 0


def test_customers_export_their_external_id_and_no_placeholder_address(shop):
    # given customers known by an id only, and by an email and an id (the shop fixture)

    # when the customers are exported
    rows = list(csv.DictReader(io.StringIO(export("customers", "csv").decode("utf-8-sig"))))

    # then the id is a column, and a customer without an address has an empty email
    by_id = {r["external_id"]: r for r in rows if r["external_id"]}
    assert (by_id["SH-7"]["email"], by_id["SH-7"]["name"]) == ("", "Id Only")
    assert by_id["SH-8"]["email"] == "both@example.com"
    assert not any(r["email"].endswith(".invalid") for r in rows)


def test_formula_like_text_is_escaped_in_csv_and_text_in_xlsx(shop):
    csv_text = export("products", "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text

    book = openpyxl.load_workbook(io.BytesIO(export("products", "xlsx")))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)

    rows = json.loads(export("products", "json"))
    assert FORMULA in {r["product"] for r in rows}


def test_unknown_kind_or_format_is_refused(caller):
    api = caller("viewer")
    assert api.get("/api/exports/planets").json()["field"] == "kind"
    assert api.get("/api/exports/products", format="pdf").json()["field"] == "format"
    response = api.get("/api/exports/products", format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_order_lines_and_the_stock_ledger_export(shop):
    # given a past order on a catalogued SKU (the shop fixture has stock movements)
    run(upload("history_shopify.csv", "orders"))

    lines = list(csv.DictReader(io.StringIO(export("order_lines", "csv").decode("utf-8-sig"))))
    ledger = [json.loads(line) for line in export("stock_ledger", "ndjson").splitlines()]

    assert {(r["number"], r["sku"], r["line_total"]) for r in lines} >= {
        ("#1001", "MUG-1", "25.00"),
        ("#1003", "OLD-SKU-9", "12.50"),
    }
    assert {(m["sku"], m["kind"], m["quantity"]) for m in ledger} >= {("MUG-1", "receipt", 7)}


def test_an_export_only_kind_cannot_be_imported():
    with pytest.raises(InvalidInput):
        upload(b"number\n1\n", "order_lines")
