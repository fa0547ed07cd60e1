"""Customers known by another platform's id (issue #16): in customer files and order-history
files, matched by email first and then by the id; a customer with only an id gets a reserved
address that is never emailed."""

from collections import defaultdict
from decimal import Decimal

import pytest

from soloops.automation.models import Event
from soloops.customers.models import Customer
from soloops.orders.models import Order
from tests.integrations.conftest import run, upload

pytestmark = pytest.mark.django_db

ID_ONLY = "客户编号,姓名\nSH-1001,Ada\nSH-1002,Bo\n".encode()


def business_events() -> int:
    """Events about customers and orders (each import also records ``import.completed``)."""
    return Event.objects.exclude(type__startswith="import.").count()


def outcome(job) -> tuple:
    report = job.report
    return report["create"], report["update"], report["unchanged"], report["rejected"]


def test_a_file_of_customer_ids_only_creates_customers_without_an_address():
    # when a customer file with only ids (a Chinese header) is imported
    job = run(upload(ID_ONLY, "customers"))

    # then two customers, known by their ids, at reserved addresses that can receive nothing
    assert job.status == "imported", job.report
    assert outcome(job) == (2, 0, 0, 0)
    ada = Customer.objects.get(external_id="SH-1001")
    assert ada.name == "Ada"
    assert ada.email.endswith("@customers.invalid") and not ada.has_address
    created = Event.objects.get(type="customer.created", subject_id=str(ada.pk))
    assert created.payload["external_id"] == "SH-1001"


def test_importing_the_same_ids_again_changes_nothing():
    # given the file imported once
    run(upload(ID_ONLY, "customers"))
    events = business_events()

    # when it is imported again
    job = run(upload(ID_ONLY, "customers"))

    # then nothing changes, nothing is recorded
    assert outcome(job) == (0, 0, 2, 0), job.report
    assert Customer.objects.count() == 2
    assert business_events() == events


def test_a_mixed_file_matches_by_email_first_then_by_id():
    # given one customer known by id only, one by email only
    run(upload(b"customer id,name\nSH-1,\nSH-2,Bo\n", "customers"))
    run(upload(b"email,name\ncy@example.com,Cy\n", "customers"))
    bo = Customer.objects.get(external_id="SH-2")

    # when a file gives an email to the id, an id to the email, and a new person of each kind
    job = run(
        upload(
            b"Email,Customer ID,Name\n"
            b"bo@example.com,SH-2,\n"  # known by id: gets her address
            b"cy@example.com,SH-3,\n"  # known by email: gets his id
            b",SH-4,Di\n"  # new, id only
            b"ed@example.com,,Ed\n",  # new, email only
            "customers",
        )
    )

    # then two updated, two created, and each customer is still one row
    assert job.status == "imported", job.report
    assert outcome(job) == (2, 2, 0, 0)
    bo.refresh_from_db()
    assert (bo.email, bo.external_id, bo.name) == ("bo@example.com", "SH-2", "Bo")
    assert Customer.objects.get(email="cy@example.com").external_id == "SH-3"
    assert not Customer.objects.get(external_id="SH-4").has_address
    assert Customer.objects.get(email="ed@example.com").external_id is None
    assert Customer.objects.count() == 5


def test_an_email_and_id_naming_two_people_is_a_bad_row_and_nothing_is_written():
    # given Cy with id SH-3, and the id SH-9 for someone else with an address
    run(upload(b"email,customer id\ncy@example.com,SH-3\nzoe@example.com,SH-9\n", "customers"))
    before = list(Customer.objects.values_list("email", "external_id").order_by("pk"))

    # when a file says Cy is SH-4, and that SH-9 is at another address, and names nobody
    job = run(
        upload(
            b"email,customer id,name\ncy@example.com,SH-4,Cy\nnew@example.com,SH-9,New\n,,Nobody\n",
            "customers",
        )
    )

    # then three bad rows with line and column, and the shop is as it was
    assert job.status == "failed"
    texts = [e["text"] for e in job.report["errors"]]
    assert texts == [
        "line 2, customer id: cy@example.com already has the customer id SH-3",
        "line 3, email: customer id SH-9 belongs to zoe@example.com",
        "line 4, email: must not be empty (or give a customer id)",
    ]
    assert list(Customer.objects.values_list("email", "external_id").order_by("pk")) == before


def test_an_id_twice_in_one_file_is_a_bad_row():
    job = run(upload(b"customer id,name\nSH-1,Ada\nSH-1,Ada Again\n", "customers"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == [
        "line 3, customer id: 'SH-1' is also on line 2"
    ]


HISTORY = (
    "订单号,客户编号,Email,日期,金额\n"
    "A-1,SH-1,,2025-03-01,10.10\n"
    "A-2,SH-1,,2025-03-01,20.20\n"
    "A-3,SH-2,,2025-03-02,0.01\n"
    "A-4,,cy@example.com,2025-03-02,99.99\n"
    "A-5,SH-1,ada@example.com,2025-03-03,5.05\n"  # the id's customer gets her address
    ",SH-2,,2025-03-04,1.11\n"  # no number: one made from the id and the row
).encode()


def test_history_with_customer_ids_creates_or_finds_the_customer_and_totals_to_the_cent(
    run_after_commit,
):
    # when a history file names customers by id, by email, and by both
    job = run(upload(HISTORY, "orders"))

    # then one customer per person, and totals per customer and per day as in the file
    assert job.status == "imported", job.report
    assert outcome(job) == (6, 0, 0, 0)
    assert Customer.objects.count() == 3
    ada = Customer.objects.get(external_id="SH-1")
    assert ada.email == "ada@example.com"
    bo = Customer.objects.get(external_id="SH-2")
    assert not bo.has_address
    per_customer, per_day = defaultdict(Decimal), defaultdict(Decimal)
    for order in Order.objects.all():
        per_customer[order.customer_id] += order.total
        per_day[order.placed_at.date().isoformat()] += order.total
    assert per_customer == {
        ada.pk: Decimal("35.35"),
        bo.pk: Decimal("1.12"),
        Customer.objects.get(email="cy@example.com").pk: Decimal("99.99"),
    }
    assert per_day == {
        "2025-03-01": Decimal("30.30"),
        "2025-03-02": Decimal("100.00"),
        "2025-03-03": Decimal("5.05"),
        "2025-03-04": Decimal("1.11"),
    }
    # and once what follows the import has run, each customer's totals count their past orders
    run_after_commit()
    bo.refresh_from_db()
    assert (bo.orders_count, bo.total_spent) == (2, Decimal("1.12"))
    ada.refresh_from_db()
    assert (ada.orders_count, ada.total_spent) == (3, Decimal("35.35"))


def test_history_with_customer_ids_imports_again_without_a_change():
    # given the file imported
    run(upload(HISTORY, "orders"))
    events = business_events()

    # when it is imported again
    job = run(upload(HISTORY, "orders"))

    # then every order is found, none is new, nothing is recorded
    assert outcome(job) == (0, 0, 6, 0), job.report
    assert Order.objects.count() == 6 and Customer.objects.count() == 3
    assert business_events() == events


def test_a_history_row_without_email_or_id_names_the_email_column():
    job = run(upload(b"order,email,customer id,date,total\nB-1,,,2025-03-01,5.00\n", "orders"))
    assert [e["text"] for e in job.report["errors"]] == [
        "line 2, email: must not be empty (or give a customer id)"
    ]
    assert Order.objects.count() == 0


def test_a_history_row_whose_email_and_id_name_two_customers_is_a_bad_row():
    # given Cy, known by email with the id SH-3
    run(upload(b"email,customer id\ncy@example.com,SH-3\n", "customers"))

    # when a history row gives Cy's email with another id
    job = run(
        upload(
            b"order,email,customer id,date,total\nC-1,cy@example.com,SH-4,2025-03-01,5\n", "orders"
        )
    )

    # then the row is rejected naming the id column, and no order is written
    assert job.status == "failed"
    assert [e["text"] for e in job.report["errors"]] == [
        "line 2, customer id: cy@example.com already has the external id SH-3"
    ]
    assert not Order.objects.exists()


def test_a_customer_id_too_long_is_a_bad_row_not_a_failed_file():
    long_id = "X" * 101
    job = run(
        upload(f"customer id,name\n{long_id},Ada\nSH-2,Bo\n".encode(), "customers"), dry_run=True
    )
    assert [e["text"] for e in job.report["errors"]] == [
        "line 2, customer id: a customer id has at most 100 characters"
    ]
    assert job.report["create"] == 1
