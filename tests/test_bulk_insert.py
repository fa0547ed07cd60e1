"""insert_rows: what loaders use instead of bulk_create for hundreds of thousands of rows."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from soloops.bulk_insert import insert_rows, supports_skip_conflicts
from soloops.catalog.models import Product, Supplier


def test_rows_go_in_with_their_timestamps_and_defaults_fill_the_rest(db):
    # given rows dated in the past, without the fields that have defaults
    then = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    rows = [(f"Supplier {i}", f"s{i}@x.example", then, then) for i in range(2500)]

    # when
    ids = insert_rows(
        Supplier, ("name", "email", "created_at", "updated_at"), rows, return_ids=True
    )

    # then every row is there, in order, dated as given, defaults filled in
    assert len(ids) == 2500
    first, last = Supplier.objects.get(pk=ids[0]), Supplier.objects.get(pk=ids[-1])
    assert (first.name, last.name) == ("Supplier 0", "Supplier 2499")
    assert first.created_at == last.updated_at == then
    assert (first.lead_time_days, first.min_order_quantity) == (7, 1)


def test_auto_now_fields_left_out_get_the_time_of_the_insert(db):
    before = datetime.now(UTC)
    count = insert_rows(Product, ("name", "slug"), [("Mug", "mug"), ("Cup", "cup")])
    assert count == 2
    assert all(p.created_at >= before and p.active for p in Product.objects.all())


def test_a_required_field_without_a_default_must_be_given(db):
    with transaction.atomic(), pytest.raises(ValueError, match="slug"):
        insert_rows(Product, ("name",), [("Mug",)])


def test_rows_a_unique_constraint_refuses_are_skipped_with_skip_conflicts(db):
    # given a product whose slug is taken
    if not supports_skip_conflicts(connection):
        with transaction.atomic(), pytest.raises(NotImplementedError):
            insert_rows(Product, ("name", "slug"), [("Mug", "mug")], skip_conflicts=True)
        return
    insert_rows(Product, ("name", "slug"), [("Mug", "mug")])

    # when two rows go in skipping conflicts, one of them with the taken slug
    rows = [("Other mug", "mug"), ("Cup", "cup")]
    ids = insert_rows(Product, ("name", "slug"), rows, return_ids=True, skip_conflicts=True)
    count = insert_rows(Product, ("name", "slug"), rows, skip_conflicts=True)

    # then only the cup went in, once, without an error; the ids and count say so
    assert [Product.objects.get(pk=pk).name for pk in ids] == ["Cup"]
    assert count == 0
    assert sorted(Product.objects.values_list("slug", "name")) == [("cup", "Cup"), ("mug", "Mug")]


# --- insert_instances: intake's few rows ------------------------------------------------------


def test_instances_go_in_as_the_orm_would_store_them_and_count_as_saved(db):
    # given a customer (JSON, defaults) and an order (decimals, an IP, JSON, a time) unsaved
    from decimal import Decimal

    from soloops.bulk_insert import insert_instances
    from soloops.customers.models import Customer
    from soloops.orders.models import Order

    placed = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)
    address = {"name": "Ada", "city": "Zürich", "country": "CH"}
    (customer,) = insert_instances([Customer(email="ada@example.com", shipping_address=address)])
    order = Order(
        number="SO-2026-TEST01",
        public_token="t" * 32,
        channel="api",
        customer_id=customer.pk,
        email="ada@example.com",
        status="accepted",
        currency="EUR",
        subtotal=Decimal("12.50"),
        shipping=Decimal("2.95"),
        tax=Decimal("0.00"),
        total=Decimal("15.45"),
        shipping_address=address,
        client_ip="2001:db8::1",
        review={"score": 0, "reasons": []},
        placed_at=placed,
    )

    # when
    (saved,) = insert_instances([order])

    # then it has its id, is saved (a save now updates it), and reads back as given
    assert saved is order and order.pk is not None and not order._state.adding
    loaded = Order.objects.get(pk=order.pk)
    assert (loaded.subtotal, loaded.total, loaded.client_ip) == (
        Decimal("12.50"),
        Decimal("15.45"),
        "2001:db8::1",
    )
    assert (loaded.shipping_address, loaded.review, loaded.placed_at) == (
        address,
        {"score": 0, "reasons": []},
        placed,
    )
    assert loaded.created_at == order.created_at and loaded.created_at is not None
    assert Customer.objects.get(pk=customer.pk).shipping_address == address
    order.note = "gift wrap"
    order.save()
    assert Order.objects.count() == 1
    assert Order.objects.get(pk=order.pk).note == "gift wrap"
