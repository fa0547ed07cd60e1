"""A shop with a few SKUs, and orders placed through the real intake."""

import pytest

from soloops.accounts.actors import Actor
from soloops.inventory.models import Location
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from tests.factories import draft, make_variant

SYSTEM = Actor.system("test")
SKUS = ("DRIP", "FILTER", "KETTLE", "MUG", "TEA", "POT")


@pytest.fixture
def shop(db):
    """A default location, a review that lets every order through, six SKUs in stock."""
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "max_orders_per_email": 1_000_000,
            "max_orders_per_ip": 1_000_000,
            "first_order_limit": 1_000_000,
        },
    )
    return {sku: make_variant(sku, price="10.00", stock=1000) for sku in SKUS}


def place(email: str, *skus: str, language: str = "en"):
    order, _new = order_place(
        draft=draft(*[(sku, 1) for sku in skus], email=email, language=language),
        channel="manual",
        actor=SYSTEM,
    )
    return order
