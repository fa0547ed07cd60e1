"""Stock counts, suppliers and supplier items from files: counts go through the stock ledger,
suppliers and their costs through the catalog's services, and only the owner imports them."""

import io
from decimal import Decimal

import pytest

from soloops.accounts.actors import Actor, ActorKind
from soloops.catalog.models import Supplier, SupplierItem
from soloops.errors import PermissionDenied
from soloops.integrations.services import imports as services
from soloops.inventory.models import Movement, MovementKind, StockLevel
from soloops.inventory.selectors import ledger_mismatches
from tests.factories import make_variant
from tests.integrations.conftest import run, upload

pytestmark = pytest.mark.django_db

STAFF = Actor(kind=ActorKind.USER, id="9", label="sam", user_id=9, role="staff",
              scopes=frozenset({"read", "write"}))  # fmt: skip


def test_a_stock_count_file_corrects_stock_through_the_ledger():
    # given two SKUs with stock
    make_variant("MUG-1", stock=10)
    make_variant("MUG-2", stock=3)

    # when a tab-separated count is imported
    job = run(upload("stock.tsv", "stock"))

    # then each difference is a count movement on the ledger, and the ledger adds up
    assert job.status == "imported", job.error
    assert (job.report["update"], job.report["unchanged"]) == (2, 0)
    on_hand = dict(StockLevel.objects.values_list("variant__sku", "on_hand"))
    assert on_hand == {"MUG-1": 12, "MUG-2": 0}
    counts = Movement.objects.filter(kind=MovementKind.COUNT).order_by("variant__sku")
    assert [m.quantity for m in counts] == [2, -3]
    assert ledger_mismatches() == []

    # and the same count again changes nothing
    again = run(upload("stock.tsv", "stock"))
    assert (again.report["update"], again.report["unchanged"]) == (0, 2)
    assert Movement.objects.filter(kind=MovementKind.COUNT).count() == 2


def test_a_count_for_an_unknown_sku_or_a_negative_count_is_a_bad_row():
    make_variant("MUG-1", stock=10)
    job = run(upload(b"sku,counted\nMUG-1,-1\nNOPE,4\n", "stock"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == [
        "line 2, counted: '-1' is out of range",
        "line 3, sku: no SKU 'NOPE' in the catalog",
    ]


def test_suppliers_are_created_then_updated():
    job = run(upload("suppliers.csv", "suppliers"))
    assert job.report["create"] == 2, job.report
    acme = Supplier.objects.get(name="Acme Ceramics")
    assert (acme.email, acme.lead_time_days, acme.min_order_quantity) == ("orders@acme.test", 5, 10)

    job = run(upload(b"Supplier,Lead time\nAcme Ceramics,7\nHangzhou Tea Co.,14\n", "suppliers"))
    assert (job.report["update"], job.report["unchanged"]) == (1, 1)
    assert Supplier.objects.get(name="Acme Ceramics").lead_time_days == 7


def test_a_new_supplier_needs_an_email():
    job = run(upload(b"supplier,lead time\nNew Co,3\n", "suppliers"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == ["line 2, email: needed for a new supplier"]


def test_supplier_items_from_a_gbk_file_with_decimal_commas():
    # given the supplier and the SKUs
    run(upload("suppliers.csv", "suppliers"))
    make_variant("MUG-1")
    make_variant("MUG-2")

    # when their price list is imported
    job = run(upload("supplier_items_gbk.csv", "supplier_items"))

    # then
    assert job.status == "imported", job.error
    assert job.columns == {"供应商": "supplier", "货号": "sku", "供应商货号": "supplier_sku",
                           "进价": "unit_cost"}  # fmt: skip
    costs = dict(SupplierItem.objects.values_list("variant__sku", "unit_cost"))
    assert costs == {"MUG-1": Decimal("3.10"), "MUG-2": Decimal("3.40")}
    again = run(upload("supplier_items_gbk.csv", "supplier_items"))
    assert (again.report["create"], again.report["update"], again.report["unchanged"]) == (0, 0, 2)


def test_a_supplier_item_for_an_unknown_supplier_or_sku_is_a_bad_row():
    make_variant("MUG-1")
    data = b"supplier,sku,unit cost\nNobody,MUG-1,1.00\n"
    job = run(upload(data, "supplier_items"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == ["line 2, supplier: no supplier 'Nobody'"]


def test_only_the_owner_imports_suppliers():
    with pytest.raises(PermissionDenied):
        services.import_upload(
            entity="suppliers", filename="s.csv", source=io.BytesIO(b"name\nX\n"), actor=STAFF
        )
    assert not Supplier.objects.exists()
