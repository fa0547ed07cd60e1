"""Customers with and without consent, a real SMTP server, helpers to read the emails; and a
shop with a few SKUs, with orders placed through the real intake (recommendations)."""

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.customers.models import Customer
from soloops.customers.services import customer_create
from soloops.inventory.models import Location
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from tests.api.conftest import caller  # noqa: F401  (a fixture)
from tests.emails.conftest import SmtpServer, smtp
from tests.factories import draft, make_variant

SYSTEM = Actor.system("test")
SKUS = ("DRIP", "FILTER", "KETTLE", "MUG", "TEA", "POT")


@pytest.fixture(autouse=True)
def https_site(settings):
    """Links in marketing email are https, as RFC 8058 one-click unsubscribe requires."""
    settings.SITE_URL = "https://shop.example.com"


def customer(email: str, *, consent: bool = True, language: str = "en", name: str = "") -> Customer:
    with transaction.atomic():
        return customer_create(
            email=email,
            name=name or email.split("@")[0].title(),
            language=language,
            marketing_consent=consent,
            consent_source="api",
            actor=SYSTEM,
        )


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


__all__ = ["SYSTEM", "SmtpServer", "customer", "place", "smtp"]
