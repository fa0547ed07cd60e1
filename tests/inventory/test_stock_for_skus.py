"""``stock_for_skus``: intake's stock read, one query, with what intake and the others use."""

from decimal import Decimal

import pytest

from soloops.catalog.models import Product, Variant
from soloops.inventory.models import Location, StockLevel
from soloops.inventory.selectors import stock_for_skus
from soloops.inventory.services import stock_change
from tests.factories import SYSTEM, make_variant

pytestmark = pytest.mark.django_db


def test_one_query_gives_each_sku_its_default_location_row_variant_and_product(
    django_assert_num_queries,
):
    # given two SKUs, one of an inactive product, and stock at another location too
    make_variant("MUG-1", price="12.50", stock=7, name="Blue")
    make_variant("CAP-1", price="9.90", stock=3)
    Product.objects.filter(slug="cap-1").update(active=False)
    elsewhere = Location.objects.create(code="B", name="Back room")
    stock_change(
        variant=Variant.objects.get(sku="MUG-1"),
        quantity=100,
        kind="receipt",
        location=elsewhere,
        actor=SYSTEM,
    )

    # when
    with django_assert_num_queries(1):
        stock = stock_for_skus(["MUG-1", "CAP-1", "NONE-1"])
        seen = {
            sku: (
                row.on_hand - row.reserved,
                row.location_id,
                row.variant.price,
                row.variant.title,
                row.variant.product.active,
            )
            for sku, row in stock.items()
        }

    # then the default location's counts, the variant with its types, the product's flag
    default = Location.objects.get(is_default=True).pk
    assert seen == {
        "MUG-1": (7, default, Decimal("12.50"), "Product MUG-1 — Blue", True),
        "CAP-1": (3, default, Decimal("9.90"), "Product CAP-1", False),
    }
    assert stock["MUG-1"].pk == StockLevel.objects.get(variant__sku="MUG-1", location=default).pk


def test_saving_what_it_read_writes_only_the_loaded_fields():
    # given
    make_variant("MUG-1")
    Product.objects.filter(slug="mug-1").update(description="Stoneware, 350 ml")
    row = stock_for_skus(["MUG-1"])["MUG-1"]

    # when the partly loaded product is saved
    row.variant.product.name = "Big mug"
    row.variant.product.save()

    # then its other fields are as they were (deferred, not blanked)
    product = Product.objects.get(slug="mug-1")
    assert (product.name, product.description) == ("Big mug", "Stoneware, 350 ml")


def test_no_skus_reads_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert stock_for_skus([]) == {}
