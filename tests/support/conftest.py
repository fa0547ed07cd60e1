"""A small shop with orders to ask about, the real SMTP sink, and API callers per role."""

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.orders.services import order_place
from soloops.support.services import conversation_open
from tests.api.conftest import caller, owner_api  # noqa: F401  (fixtures)
from tests.emails.conftest import shop, smtp  # noqa: F401  (fixtures)
from tests.factories import draft

SYSTEM = Actor.system("test")


def place(email: str = "ada@example.com"):
    with transaction.atomic():
        order, _new = order_place(draft=draft(("MUG-1", 1), email=email), channel="api",
                                  actor=SYSTEM)  # fmt: skip
    return order


def open_conversation(**fields):
    values = {"channel": "email", "email": "ada@example.com", "body": "Hello?", "actor": SYSTEM}
    return conversation_open(**(values | fields))


@pytest.fixture
def order(shop):  # noqa: F811
    return place()
