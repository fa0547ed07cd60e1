"""A shop to order from, and orders placed through the real intake."""

import pytest

from soloops.accounts.actors import Actor
from soloops.inventory.models import Location
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from tests.api.conftest import caller  # noqa: F401  (a fixture)
from tests.dashboard.conftest import owner, owner_client, viewer, viewer_client  # noqa: F401
from tests.factories import draft, make_variant

SYSTEM = Actor.system("test")


def open_shop() -> None:
    """A default location, a review that lets every order through, two SKUs in stock."""
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"max_orders_per_email": 1_000_000, "max_orders_per_ip": 1_000_000}
    )
    make_variant("MUG-1", price="12.50", stock=1000)
    make_variant("TEA-1", price="8.00", stock=1000)


@pytest.fixture
def shop(db):
    open_shop()


def place(email: str = "ada@example.com", *lines, **fields):
    order, _new = order_place(
        draft=draft(*(lines or [("MUG-1", 1)]), email=email, **fields),
        channel="manual",
        actor=SYSTEM,
    )
    return order
