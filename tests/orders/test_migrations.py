"""Upgrading a shop from before delivery methods: its one rate per country becomes the
"Standard" method, and its earlier orders (which could only ship that way) say Standard."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from soloops.customers.models import Customer

BEFORE = [("orders", "0003_order_email_like_index")]
AFTER = [("orders", "0004_shipping_methods")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rates_become_standard_and_earlier_orders_say_so():
    # given a shop before methods: a rate, an order that shipped and one that did not
    old = _migrate(BEFORE)
    old.get_model("orders", "ShippingRate").objects.create(country="DE", amount=Decimal("4.90"))
    # (customers is not rolled back: its table is today's, so today's model writes it)
    customer = Customer.objects.create(email="ada@example.com", name="Ada")
    Order = old.get_model("orders", "Order")
    money = {"subtotal": 1, "shipping": 0, "tax": 0, "total": 1, "currency": "EUR"}
    for number, address in (("SO-1", {"country": "DE"}), ("SO-2", {})):
        Order.objects.create(
            number=number,
            public_token=number,
            channel="api",
            customer_id=customer.pk,
            email=customer.email,
            shipping_address=address,
            placed_at=timezone.now(),
            **money,
        )

    try:
        # when the shop upgrades
        new = _migrate(AFTER)

        # then
        rate = new.get_model("orders", "ShippingRate").objects.get()
        assert (rate.country, rate.method, rate.amount) == ("DE", "Standard", Decimal("4.90"))
        methods = dict(
            new.get_model("orders", "Order").objects.values_list("number", "shipping_method")
        )
        assert methods == {"SO-1": "Standard", "SO-2": ""}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
