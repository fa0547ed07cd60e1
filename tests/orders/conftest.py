"""People, tokens, a small shop and row counters for the orders tests, made through the services."""

import json
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.customers.models import Customer
from soloops.inventory.models import Reservation, StockLevel
from soloops.orders.models import Order, OrderLine, ReviewPolicy
from tests.factories import ADDRESS, make_variant

SYSTEM = Actor.system("test")
PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Intake caches the policy and rate tables for 10 s; every test starts from the database."""
    cache.clear()
    yield
    cache.clear()


def make_user(username: str, role: str):
    return user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        actor=SYSTEM,
    )


def bearer_for(user, scope: str = "write") -> dict[str, str]:
    issued = token_create(user=user, name=f"{scope} token", scope=scope, actor=SYSTEM)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def owner(db):
    return make_user("olivia", "owner")


class Api:
    """The test client speaking JSON with one set of headers, as an API caller would."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, path: str, body=None, headers: dict[str, str] | None = None, **extra):
        return self.client.post(
            path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
            **extra,
        )

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)


@pytest.fixture
def api(client, owner) -> Api:
    """The owner's write token."""
    return Api(client, bearer_for(owner))


def set_policy(**fields) -> ReviewPolicy:
    ReviewPolicy.objects.update_or_create(pk=1, defaults=fields)
    cache.clear()
    return ReviewPolicy.objects.get(pk=1)


PERMISSIVE = {
    "hold_at_score": 10_000,
    "reject_at_score": 20_000,
    "max_orders_per_email": 1_000_000,
    "max_orders_per_ip": 1_000_000,
}


@pytest.fixture
def permissive(db) -> ReviewPolicy:
    """A policy under which review holds and rejects nothing."""
    return set_policy(**PERMISSIVE)


@pytest.fixture
def shop(db) -> dict[str, object]:
    """Three SKUs: a mug (12.50), a poster (30.00), a digital e-book (8.00)."""
    return {
        "MUG-1": make_variant("MUG-1", price="12.50", stock=100),
        "POSTER-1": make_variant("POSTER-1", price="30.00", stock=100),
        "EBOOK-1": make_variant("EBOOK-1", price="8.00", stock=1000, requires_shipping=False),
    }


def body(*lines: tuple[str, int], email: str = "ada@example.com", **fields) -> dict:
    """A valid intake body; ``fields`` override or add top-level keys."""
    return {
        "email": email,
        "name": "Ada",
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
        "shipping_address": dict(ADDRESS),
        **fields,
    }


WRITTEN = {
    "orders": Order,
    "lines": OrderLine,
    "customers": Customer,
    "events": Event,
    "reservations": Reservation,
}


def counts() -> dict[str, int]:
    """How many rows intake could write, table by table."""
    return {name: model.objects.count() for name, model in WRITTEN.items()}


def reserved(sku: str) -> int:
    return StockLevel.objects.get(variant__sku=sku, location__is_default=True).reserved


def stock(sku: str) -> StockLevel:
    return StockLevel.objects.get(variant__sku=sku, location__is_default=True)


def events_of(type: str) -> int:
    return Event.objects.filter(type=type).count()


@pytest.fixture
def error() -> Callable:
    def check(response, status: int, code: str | None = None, field: str | None = None) -> dict:
        assert response.status_code == status, response.content
        data = response.json()
        assert set(data) == {"code", "message", "field", "extra"}, data
        if code is not None:
            assert data["code"] == code, data
        if field is not None:
            assert data["field"] == field, data
        return data

    return check
