"""Pack sizes come in with a supplier's price list, go out with the export, and purchase orders
drafted from low stock ask for whole packs."""

import pytest

from soloops.catalog.models import SupplierItem
from soloops.purchasing.models import PurchaseOrderLine
from soloops.purchasing.services import purchase_orders_draft_for_low_stock
from tests.factories import SYSTEM, make_variant
from tests.integrations.conftest import run, upload
from tests.integrations.test_export import export
from tests.purchasing.conftest import make_supplier

pytestmark = pytest.mark.django_db


def test_a_price_list_with_pack_sizes_sets_them_and_drafts_order_whole_packs():
    # given two SKUs short of stock alike, sold by one supplier
    make_supplier("Mugs Ltd")
    make_variant("MUG-1", stock=0)
    make_variant("MUG-2", stock=0)

    # when its price list says MUG-2 comes in cases of 12 (a Chinese header for it)
    data = "供应商,货号,进价,箱规\nMugs Ltd,MUG-1,2.00,\nMugs Ltd,MUG-2,2.00,12\n".encode()
    job = run(upload(data, "supplier_items"))

    # then
    assert job.status == "imported", job.error
    assert job.columns["箱规"] == "pack_size"
    sizes = dict(SupplierItem.objects.values_list("variant__sku", "pack_size"))
    assert sizes == {"MUG-1": 1, "MUG-2": 12}

    # and a draft asks for whole cases of MUG-2, the same shortfall as MUG-1 rounded up
    purchase_orders_draft_for_low_stock(actor=SYSTEM)
    ordered = dict(PurchaseOrderLine.objects.values_list("sku", "quantity_ordered"))
    assert ordered["MUG-1"] > 0
    assert ordered["MUG-2"] % 12 == 0
    assert ordered["MUG-2"] == -(-ordered["MUG-1"] // 12) * 12


def test_an_empty_pack_size_keeps_the_items_and_zero_is_a_bad_row():
    make_supplier("Mugs Ltd")
    make_variant("MUG-1", stock=0)
    run(upload(b"supplier,sku,unit_cost,pack_size\nMugs Ltd,MUG-1,2.00,6\n", "supplier_items"))

    again = run(
        upload(b"supplier,sku,unit_cost,pack_size\nMugs Ltd,MUG-1,2.50,\n", "supplier_items")
    )
    assert again.status == "imported", again.error
    assert SupplierItem.objects.get().pack_size == 6

    bad = run(upload(b"supplier,sku,pack_size\nMugs Ltd,MUG-1,0\n", "supplier_items"), dry_run=True)
    assert [e["text"] for e in bad.report["errors"]] == [
        "line 2, pack_size: a pack holds at least 1 unit"
    ]


def test_the_export_carries_the_pack_size_and_imports_back_unchanged():
    make_supplier("Mugs Ltd")
    make_variant("MUG-1", stock=0)
    run(upload(b"supplier,sku,unit_cost,pack_size\nMugs Ltd,MUG-1,2.00,24\n", "supplier_items"))
    exported = export("supplier_items", "csv")
    assert b"pack_size" in exported.splitlines()[0]
    again = run(upload(exported, "supplier_items"))
    assert again.report["unchanged"] == 1 and again.report["update"] == 0
