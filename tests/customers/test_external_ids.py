"""A customer known by another platform's id: read in the API and on the customer page, found
by the search box, and forgotten — id included — when erased."""

import json

import pytest
from django.urls import reverse

from soloops.automation.models import Event
from soloops.customers.models import Customer
from soloops.customers.services import Person, customer_erase, customers_resolve
from soloops.errors import InvalidInput
from soloops.orders.models import Order
from soloops.orders.services import order_import_history
from tests.customers.conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def id_only():
    """A customer who came with a past order naming only their id on the old platform."""
    from datetime import UTC, datetime
    from decimal import Decimal

    order_import_history(
        number="H-1", email="", external_id="SHOP-77", name="Quiet Buyer",
        placed_at=datetime(2025, 3, 1, 12, tzinfo=UTC), status="completed",
        total=Decimal("12.50"), currency="EUR", lines=[], actor=SYSTEM,
    )  # fmt: skip
    return Customer.objects.get(external_id="SHOP-77")


def test_the_api_and_the_page_show_the_id_and_that_there_is_no_address(
    caller, viewer_client, id_only
):
    # when the customer is read through the API, the search box and their page
    detail = caller("viewer").get(f"/api/customers/{id_only.pk}").json()
    found = caller("viewer").get("/api/customers", q="SHOP-77").json()["items"]
    page = viewer_client.get(reverse("dashboard:customer", args=[id_only.pk])).content.decode()

    # then the id is there, and the page offers no address to write to
    assert detail["external_id"] == "SHOP-77"
    assert detail["email"].endswith("@customers.invalid")
    assert [c["id"] for c in found] == [id_only.pk]
    assert "Customer id SHOP-77" in page
    assert "No email address: never emailed" in page
    assert "mailto:" + id_only.email not in page
    # and the timeline names the customer by the id, not by the reserved address
    assert "Customer with id SHOP-77 created" in page
    assert f"Customer {id_only.email} created" not in page


def test_the_privacy_section_asks_the_owner_for_the_id(owner_client, id_only):
    # when the owner opens the page of a customer known only by an id
    page = owner_client.get(reverse("dashboard:customer", args=[id_only.pk])).content.decode()

    # then the privacy section asks for the id, the only thing the owner can type
    assert "type the customer's id, SHOP-77." in page
    assert "type the customer's email" not in page


def test_erasure_forgets_the_external_id_too(id_only):
    # given the owner confirms with the only thing the customer is known by: the id
    with pytest.raises(InvalidInput) as refused:
        customer_erase(customer=id_only, actor=SYSTEM, confirm="SHOP-78")
    assert refused.value.message == "type the customer's id (SHOP-77) to confirm"

    # when the customer is erased
    customer_erase(customer=id_only, actor=SYSTEM, confirm="SHOP-77")

    # then the id is nowhere: not on the record, not in orders, not in any event
    id_only.refresh_from_db()
    assert id_only.external_id is None and id_only.erased_at is not None
    rows = json.dumps(
        [
            list(Customer.objects.values()),
            list(Order.objects.values()),
            list(Event.objects.values_list("payload", flat=True)),
        ],
        default=str,
    )
    assert "SHOP-77" not in rows
    assert "Quiet Buyer" not in rows
    # and the id is free: a new file naming it makes a new customer, not the erased one
    (again,) = customers_resolve(people=[Person(external_id="SHOP-77")], actor=SYSTEM)
    assert again.pk != id_only.pk
