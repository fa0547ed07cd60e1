"""Promises the database itself keeps, on every database SoloOps runs on (SQLite, PostgreSQL,
MySQL/MariaDB — where the partial unique constraints are made good by soloops.mysql)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from soloops.customers.models import Customer
from soloops.inventory.models import Location
from soloops.mysql import server_check
from soloops.payments.models import Payment, PaymentStatus


def a_payment(order, status: str) -> Payment:
    return Payment.objects.create(
        order=order, provider="manual", amount=Decimal("10.00"), currency="EUR", status=status
    )


def test_an_order_has_at_most_one_live_payment(order):
    a_payment(order, PaymentStatus.FAILED)
    a_payment(order, PaymentStatus.PENDING)  # a failed one does not count
    with pytest.raises(IntegrityError), transaction.atomic():
        a_payment(order, PaymentStatus.AUTHORIZED)
    assert order.payments.count() == 2


def test_there_is_one_default_location(db):
    Location.objects.update(is_default=False)
    Location.objects.create(code="test-main", name="Main", is_default=True)
    Location.objects.create(code="test-overflow", name="Overflow", is_default=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(code="test-second", name="Second main", is_default=True)


def test_all_of_unicode_round_trips(db):
    name = "王小明 🎉 Zoë"
    address = {"line1": "北京市朝阳区 1号 🏠", "country": "CN"}
    customer = Customer.objects.create(
        email="wang@example.com", name=name, language="zh-hans", shipping_address=address
    )
    customer.refresh_from_db()
    assert (customer.name, customer.shipping_address) == (name, address)
    found = Customer.objects.filter(shipping_address__country="CN", name__icontains="小明 🎉 zO")
    assert found.count() == 1


@pytest.mark.parametrize(
    ("mariadb", "version", "refused"),
    [
        (True, (10, 5, 9), "MariaDB 10.5.9 is too old"),
        (True, (10, 6, 0), None),
        (False, (5, 7, 44), "MySQL 5.7.44 is too old"),
        (False, (8, 0, 36), None),
    ],
)
def test_a_server_too_old_is_refused_with_the_reason(mariadb, version, refused):
    server = SimpleNamespace(vendor="mysql", mysql_is_mariadb=mariadb, mysql_version=version)
    if refused:
        with pytest.raises(ImproperlyConfigured, match=refused):
            server_check(server)
    else:
        server_check(server)
