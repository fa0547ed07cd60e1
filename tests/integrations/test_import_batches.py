"""Imports write a chunk of new rows at once: the same products, variants, stock rows,
customers and events as row by row, in a number of statements that does not grow with the
file; a chunk the service refuses falls back to row by row and rejects only the row at fault;
customers' marketing consent comes in with the file."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.automation.models import Event
from soloops.catalog.models import Product, Variant
from soloops.customers.models import Customer
from soloops.inventory.models import StockLevel
from tests.integrations.conftest import SYSTEM, run, upload

pytestmark = pytest.mark.django_db


def products_file(rows: int, start: int = 0) -> bytes:
    lines = ["SKU,Product,Variant,Price"]
    lines += [
        f"S-{i:05d},Product {i // 3},Size {i % 3},{i % 50}.50" for i in range(start, start + rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def import_queries(data: bytes, entity: str = "products") -> int:
    job = upload(data, entity)
    with CaptureQueriesContext(connection) as queries:
        job = run(job)
    assert job.status == "imported", job.error
    return len(queries)


def test_new_products_get_their_variants_stock_rows_and_one_event_each():
    # given a file of 7 SKUs naming 3 products, one of which the shop already has
    from soloops.catalog import services as catalog_services

    catalog_services.product_create(name="Product 0", actor=SYSTEM, description="kept")

    # when
    job = run(upload(products_file(7)))

    # then
    assert job.status == "imported", job.error
    assert job.report["create"] == 7
    assert Product.objects.count() == 3
    assert Product.objects.get(name="Product 0").variants.count() == 3
    assert Product.objects.get(name="Product 2").variants.count() == 1
    variants = Variant.objects.all()
    assert sorted(v.sku for v in variants) == [f"S-{i:05d}" for i in range(7)]
    assert str(Variant.objects.get(sku="S-00004").price) == "4.50"
    stock = StockLevel.objects.filter(location__is_default=True)
    assert sorted(stock.values_list("variant__sku", "on_hand")) == [
        (f"S-{i:05d}", 0) for i in range(7)
    ]
    created = Event.objects.filter(type="variant.created")
    assert sorted(e.payload["sku"] for e in created) == [f"S-{i:05d}" for i in range(7)]
    assert {e.subject_id for e in created} == {str(v.pk) for v in variants}
    assert Event.objects.filter(type="product.created").count() == 3  # 1 by hand, 2 by the file


def test_a_chunk_of_new_skus_costs_the_same_statements_whatever_its_size():
    import_queries(products_file(5, start=9000))  # the shop's first: its default location
    small = import_queries(products_file(180))  # 60 products: past the bulk events threshold
    large = import_queries(products_file(450, start=1000))
    assert large == small


def test_a_chunk_of_new_customers_costs_the_same_statements_whatever_its_size():
    def customers(rows, start):
        lines = ["Email,Name,Tags,Accepts marketing"]
        lines += [f"p{i}@example.com,P {i},vip,yes" for i in range(start, start + rows)]
        return ("\n".join(lines) + "\n").encode()

    import_queries(customers(5, 9000), "customers")
    small = import_queries(customers(60, 0), "customers")
    assert import_queries(customers(300, 1000), "customers") == small


def test_a_new_sku_the_catalog_refuses_is_rejected_alone_when_skipping_bad_rows():
    # given a product already holding the slug a new product of the file would take
    from soloops.catalog import services as catalog_services

    catalog_services.product_create(name="Other", slug="product-0", actor=SYSTEM)
    catalog_services.product_create(name="Other 2", slug="product-0-s-00000", actor=SYSTEM)

    # when
    job = run(upload(products_file(4)), skip_bad_rows=True)

    # then the row that needed the slug is rejected with the catalog's reason; the rest are in
    assert job.status == "imported", job.error
    assert job.report["create"] == 3 and job.report["rejected"] == 1
    (error,) = job.report["errors"]
    assert error["line"] == 2 and "already used" in error["message"]
    skus = sorted(Variant.objects.values_list("sku", flat=True))
    assert skus == ["S-00001", "S-00002", "S-00003"]


def test_customers_consent_comes_in_with_the_file_and_an_empty_cell_keeps_it():
    # given a customer who opted in at the storefront, and one who did not
    from soloops.customers import services as customer_services

    known, _ = customer_services.customer_upsert(email="known@example.com", actor=SYSTEM)
    customer_services.customer_consent_set(
        customer=known, consent=True, source="storefront", actor=SYSTEM
    )
    customer_services.customer_upsert(email="quiet@example.com", actor=SYSTEM)
    data = (
        "Email,Name,Accepts marketing,Tags\n"
        'new-yes@example.com,Yes,yes,"vip, wholesale"\n'
        "new-no@example.com,No,no,\n"
        "new-empty@example.com,Empty,,\n"
        "known@example.com,Known,,\n"
        "quiet@example.com,Quiet,是,\n"
    ).encode()

    # when
    job = run(upload(data, "customers"))

    # then
    assert job.status == "imported", job.error
    assert job.columns["Accepts marketing"] == "marketing_consent"
    consent = dict(Customer.objects.values_list("email", "marketing_consent"))
    assert consent == {
        "new-yes@example.com": True,
        "new-no@example.com": False,
        "new-empty@example.com": False,
        "known@example.com": True,
        "quiet@example.com": True,
    }
    sources = dict(Customer.objects.values_list("email", "consent_source"))
    assert (
        sources["new-yes@example.com"] == "import" and sources["known@example.com"] == "storefront"
    )
    assert sources["quiet@example.com"] == "import"
    yes = Customer.objects.get(email="new-yes@example.com")
    assert yes.tags == ["vip", "wholesale"] and yes.consent_at is not None
    kinds = sorted(Event.objects.filter(subject_id=str(yes.pk)).values_list("type", flat=True))
    assert kinds == [
        "customer.consent_changed",
        "customer.created",
        "customer.tagged",
        "customer.tagged",
    ]

    # when the same file comes again, nothing changes
    events = Event.objects.exclude(type__startswith="import.").count()
    again = run(upload(data, "customers"))
    assert again.report["create"] == 0 and again.report["update"] == 0
    assert Event.objects.exclude(type__startswith="import.").count() == events


def test_a_file_saying_no_withdraws_consent():
    from soloops.customers import services as customer_services

    known, _ = customer_services.customer_upsert(email="known@example.com", actor=SYSTEM)
    customer_services.customer_consent_set(
        customer=known, consent=True, source="storefront", actor=SYSTEM
    )
    job = run(upload(b"Email,Newsletter\nknown@example.com,no\n", "customers"))
    assert job.status == "imported", job.error
    known.refresh_from_db()
    assert known.marketing_consent is False and known.consent_source == "import"
