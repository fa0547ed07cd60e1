"""Import end to end through the services: preview, all-or-nothing, skip bad rows,
re-import, saved mappings, and the encodings and formats of real files."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings

from soloops.automation.models import Event
from soloops.catalog.models import Product, Variant
from soloops.customers.models import Customer
from soloops.errors import InvalidInput
from soloops.integrations.models.imports import ImportJob
from soloops.integrations.services import imports as services
from tests.integrations.conftest import FIXTURES, SYSTEM, run, upload

pytestmark = pytest.mark.django_db


def test_semicolon_csv_with_bom_quotes_and_decimal_commas_imports(catalog_rows):
    # given a semicolon CSV with a BOM, a quoted field holding a newline, decimal commas
    job = upload("products_semicolon.csv")
    assert job.columns == {
        "SKU": "sku",
        "Product name": "product",
        "Variant": "name",
        "Price": "price",
        "Weight (g)": "weight_grams",
        "Low stock": "low_stock_threshold",
        "On sale": "active",
        "Description": "description",
    }

    # when
    job = run(job)

    # then
    assert job.status == "imported", job.error
    assert job.report["create"] == 3 and job.report["rejected"] == 0
    tea = Variant.objects.select_related("product").get(sku="TEA-01")
    assert tea.price == Decimal("1234.00") and tea.active is False
    assert tea.product.description == "Sencha, first flush"
    red = Variant.objects.get(sku="MUG-02")
    assert red.name == "Red" and red.price == Decimal("12.50")
    assert Product.objects.filter(name="Mug").count() == 1
    assert {"decimal_comma", "thousands", "trim", "boolean"} <= set(job.report["rules"])
    assert Event.objects.filter(type="import.completed", subject_id=str(job.pk)).count() == 1


def test_gbk_csv_with_chinese_headers_is_detected_and_mapped():
    job = upload("products_gbk.csv")
    assert job.columns == {
        "货号": "sku",
        "商品名称": "product",
        "规格": "name",
        "单价": "price",
        "重量": "weight_grams",
        "上架": "active",
    }
    job = run(job)
    assert job.status == "imported", job.error
    cup = Variant.objects.select_related("product").get(sku="CUP-02")
    assert cup.product.name == "茶杯" and cup.name == "青花"
    assert cup.price == Decimal("35.50") and cup.active is False


def test_the_preview_counts_and_reports_every_bad_row_and_writes_nothing(catalog_rows):
    # given
    job = upload("products_two_bad.csv")
    before = catalog_rows()

    # when
    job = run(job, dry_run=True)

    # then
    assert job.status == "previewed"
    assert (job.report["create"], job.report["rejected"]) == (2, 2)
    assert [e["text"] for e in job.report["errors"]] == [
        "line 3, price: '12.5.0' is not a number",
        "line 5, weight_grams: 'heavy' is not a number",
    ]
    assert catalog_rows() == before


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(catalog_rows):
    job = upload("products_two_bad.csv")
    before = catalog_rows()

    job = run(job)

    assert job.status == "failed" and "2 bad rows" in job.error
    products, variants, customers, events = catalog_rows()
    assert (products, variants, customers) == before[:3]
    # the only event is the failure itself
    assert events == before[3] + 1
    assert Event.objects.filter(type="import.failed").count() == 1


def test_skip_bad_rows_imports_the_good_ones_and_writes_the_rejected_csv():
    job = run(upload("products_two_bad.csv"), skip_bad_rows=True)

    assert job.status == "imported"
    assert (job.report["create"], job.report["rejected"]) == (2, 2)
    assert set(Variant.objects.values_list("sku", flat=True)) == {"A-1", "A-3"}
    lines = services.rejected_path(job).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line,sku,product,price,weight_grams,reason"
    assert lines[1] == "3,A-2,Alpha,12.5.0,100,price: '12.5.0' is not a number"
    assert lines[2] == "5,A-4,Alpha,8.00,heavy,weight_grams: 'heavy' is not a number"


def test_reimporting_the_same_file_changes_nothing():
    run(upload("products_semicolon.csv"))
    events = Event.objects.exclude(type__startswith="import.").count()

    job = run(upload("products_semicolon.csv"))

    assert (job.report["create"], job.report["update"], job.report["unchanged"]) == (0, 0, 3)
    assert Event.objects.exclude(type__startswith="import.").count() == events


def test_a_changed_price_is_an_update():
    run(upload("products_fixed.csv"))
    changed = (FIXTURES / "products_fixed.csv").read_bytes().replace(b"9.99", b"11.00")

    job = run(upload(changed))

    assert (job.report["update"], job.report["unchanged"]) == (1, 3)
    assert Variant.objects.get(sku="A-3").price == Decimal("11.00")


def test_customers_from_ndjson_are_cleaned_and_tagged():
    job = run(upload("customers.ndjson", "customers"))

    assert job.status == "imported", job.error
    ann = Customer.objects.get(email="ann.lee@example.com")
    assert ann.name == "Ann Lee" and ann.tags == ["vip", "wholesale"]
    assert ann.shipping_address == {"country": "GB", "phone": "+442079460958"}
    wang = Customer.objects.get(email="wang@example.cn")
    assert wang.shipping_address == {"country": "CN", "phone": "+8613800138000"}
    assert Customer.objects.get(email="bob@example.com").shipping_address["phone"] == "+12125550100"
    assert {"email_lowercase", "phone_e164", "country_iso", "trim"} <= set(job.report["rules"])

    # the same people as a JSON array: nothing to do
    again = run(upload("customers.json", "customers"))
    assert (again.report["unchanged"], again.report["create"]) == (3, 0)


def test_xlsx_with_dates_numbers_and_booleans(tmp_path):
    # given a workbook as Excel writes it: numbers as numbers, a SKU typed as a number
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SKU", "Title", "Unit price", "Weight", "Enabled"])
    sheet.append([1001, "Notebook", 4.5, 120, "yes"])
    sheet.append(["NB-2", "Notebook", "4,75", None, "否"])
    path = tmp_path / "catalog.xlsx"
    book.save(path)

    job = run(upload(path.read_bytes(), filename="catalog.xlsx"))

    assert job.file_format == "xlsx" and job.status == "imported", job.error
    assert Variant.objects.get(sku="1001").price == Decimal("4.50")
    nb2 = Variant.objects.get(sku="NB-2")
    assert nb2.price == Decimal("4.75") and nb2.active is False and nb2.weight_grams == 0


def test_a_saved_mapping_is_used_for_the_next_file():
    # given a file whose headers match nothing, mapped by hand and saved
    data = b"code|label|cost\nZ-1|Zed|3.00\n"
    job = upload(data)
    assert job.columns == {}
    services.import_map(
        job=job,
        columns={"code": "sku", "label": "product", "cost": "price"},
        options={"decimal": "."},
        save_as="Supplier list",
        actor=SYSTEM,
    )

    # when the next file comes with the mapping's name
    second = upload(b"code|label|cost\nZ-2|Zed|4.00\n", mapping="Supplier list")

    # then
    assert second.columns == {"code": "sku", "label": "product", "cost": "price"}
    assert second.options == {"decimal": "."}
    assert run(second).report["create"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\x00", "not a text file"),
        (b"\n\n", "must name the columns"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(data, message, catalog_rows):
    before = catalog_rows()
    with pytest.raises(InvalidInput) as e:
        upload(data)
    assert e.value.field == "file" and message in e.value.message
    assert catalog_rows() == before


def test_a_file_over_the_limit_is_refused(settings):
    settings.SOLOOPS_IMPORT_MAX_BYTES = 1024
    with pytest.raises(InvalidInput, match="larger than"):
        upload(b"sku,price\n" + b"A,1\n" * 1000)


class Endless(io.RawIOBase):
    """A CSV file of ``size`` bytes made as it is read, so the test holds none of it."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        head = b"" if self.started else b"sku,product,price\n"
        self.started = True
        chunk = (head + b"MUG-1,Mug,9.90\n" * (n // 15 + 1))[:n]
        buffer[:n] = chunk
        self.left -= n
        return n


def test_a_200_mb_file_is_refused_at_the_default_limit_and_leaves_nothing(catalog_rows):
    # given the default limit (100 MB) and what the imports folder holds
    assert settings.SOLOOPS_IMPORT_MAX_BYTES == 100 * 2**20
    folder = settings.VAR_DIR / "imports"
    before = sorted(folder.rglob("*")) if folder.exists() else []
    rows = catalog_rows()

    # when a 200 MB file is uploaded
    with pytest.raises(InvalidInput, match="larger than 100 MB") as refused:
        services.import_upload(
            entity="products", filename="huge.csv", source=Endless(200 * 2**20), actor=SYSTEM
        )

    # then it is refused naming the file, and no job, no stored copy and no row is left
    assert refused.value.field == "file"
    assert not ImportJob.objects.exists()
    assert (sorted(folder.rglob("*")) if folder.exists() else []) == before
    assert catalog_rows() == rows


def test_a_ragged_row_is_a_bad_row_with_its_line():
    job = run(upload(b"sku,product,price\nA,Alpha,1\nB,Beta\n"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == ["line 3: 2 values, the header has 3"]


def test_a_utf8_file_declared_as_utf8_but_holding_gbk_fails_with_the_line():
    data = b"sku,product,price\nA,Alpha,1\n" + "B,茶杯,2\n".encode("gbk")
    job = upload(data, options={"encoding": "utf-8"})
    job = run(job, dry_run=True)
    assert job.status == "failed" and "line 3" in job.error


def test_a_duplicate_key_in_the_file_is_a_bad_row():
    job = run(upload(b"sku,product,price\nA,Alpha,1\nA,Alpha,2\n"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == ["line 3, sku: 'A' is also on line 2"]


def test_a_new_sku_needs_a_product_and_a_price():
    job = run(upload(b"sku,price\nA,1\n"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == ["line 2, product: needed for a new SKU"]


def test_a_mapping_without_the_key_is_refused():
    job = upload(b"name,price\nA,1\n")
    with pytest.raises(InvalidInput, match="sku"):
        run(job)
