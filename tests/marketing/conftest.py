"""Customers with and without consent, a real SMTP server, and helpers to read the emails."""

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.customers.models import Customer
from soloops.customers.services import customer_create
from tests.api.conftest import caller  # noqa: F401  (a fixture)
from tests.emails.conftest import SmtpServer, smtp

SYSTEM = Actor.system("test")


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


__all__ = ["SYSTEM", "SmtpServer", "customer", "smtp"]
