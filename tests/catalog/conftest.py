"""An owner with a write token, and a way to count every catalog and stock row."""

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.catalog.models import Product, Supplier, SupplierItem, Variant
from soloops.inventory.models import Location, Movement, Reservation, StockLevel

SYSTEM = Actor.system("test")
MODELS = (Product, Variant, Supplier, SupplierItem, StockLevel, Movement, Reservation, Event)


def make_token(username: str, *, role: str = "owner", scope: str = "write") -> dict[str, str]:
    user = user_create(
        username=username,
        email=f"{username}@example.com",
        password="correct horse battery staple 42",
        role=role,
        actor=SYSTEM,
    )
    issued = token_create(user=user, name="tests", scope=scope, actor=SYSTEM)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def default_location(db) -> Location:
    """The default location the migration creates; a flush by an earlier transactional test
    removes it, so tests that run after one (``transactional_db``) put it back."""
    location, _ = Location.objects.get_or_create(
        is_default=True, defaults={"code": "main", "name": "Main warehouse"}
    )
    return location


@pytest.fixture
def owner_auth(db) -> dict[str, str]:
    """Headers of an owner's write token."""
    return make_token("olivia")


@pytest.fixture
def reader_auth(db) -> dict[str, str]:
    """Headers of an owner's read-only token."""
    return make_token("rita", scope="read")


def row_counts() -> dict[str, int]:
    """How many rows each catalog, stock and event table holds: "nothing written" compares two."""
    return {model.__name__: model.objects.count() for model in MODELS}


def assert_error(response, status: int, code: str, field: str | None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field", "extra"}
    assert body["code"] == code, body
    assert body["field"] == field, body
    return body
