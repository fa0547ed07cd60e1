"""A small shop, paid orders and API callers for the fulfillment tests, through the services."""

import itertools
import json

import pytest
from django.core.cache import cache
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.fulfillment import pdf
from soloops.fulfillment.models import Shipment, ShipmentLine
from soloops.inventory.models import Location, Movement, Reservation, StockLevel
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_mark_paid, order_place
from tests.factories import draft, make_variant

SYSTEM = Actor.system("test")
_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def _shop_ready(db):
    """The default location (an earlier transactional test's flush removes it) and a review
    policy that accepts every order; intake caches the policy, so the cache starts empty."""
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "max_quantity_per_line": 10_000,
            "max_orders_per_email": 1_000_000,
            "max_orders_per_ip": 1_000_000,
            "hold_at_score": 1_000,
            "reject_at_score": 1_000,
        },
    )
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def readable_pdfs(monkeypatch):
    """PDFs written uncompressed, so tests can read their text."""
    monkeypatch.setattr(pdf, "COMPRESS", False)


@pytest.fixture
def shop(db) -> dict:
    """A mug and a poster (10 each) that ship, and an e-book that does not."""
    return {
        "MUG-1": make_variant("MUG-1", price="12.50", stock=10),
        "POSTER-1": make_variant("POSTER-1", price="30.00", stock=10),
        "EBOOK-1": make_variant("EBOOK-1", price="8.00", stock=100, requires_shipping=False),
    }


def place(*lines: tuple[str, int], **fields):
    """An accepted order (its stock reserved) through intake."""
    email = fields.pop("email", None) or f"buyer{next(_emails)}@example.com"
    order, _ = order_place(draft=draft(*lines, email=email, **fields), channel="api", actor=SYSTEM)
    assert order.status == "accepted", order.review
    return order


def paid(*lines: tuple[str, int], **fields):
    """A paid order, as the payments app will leave it."""
    return order_mark_paid(order=place(*lines, **fields), actor=SYSTEM, payment_reference="test")


def line_of(order, sku: str):
    return next(line for line in order.lines.all() if line.sku == sku)


def stock(sku: str) -> StockLevel:
    return StockLevel.objects.get(variant__sku=sku, location__is_default=True)


def events(type: str, **payload) -> list[Event]:
    rows = Event.objects.filter(type=type).order_by("id")
    return [e for e in rows if all(e.payload.get(k) == v for k, v in payload.items())]


COUNTED = (Shipment, ShipmentLine, Event, Movement, Reservation, StockLevel)


def snapshot() -> dict:
    """Every row fulfillment could write, table by table, with the stock figures."""
    rows = {model.__name__: model.objects.count() for model in COUNTED}
    rows["stock"] = sorted(StockLevel.objects.values_list("pk", "on_hand", "reserved"))
    rows["reservations"] = sorted(Reservation.objects.values_list("pk", "quantity", "status"))
    return rows


def make_token(username: str, *, role: str, scope: str = "write") -> dict[str, str]:
    user = user_create(
        username=username,
        email=f"{username}@example.com",
        password="correct horse battery staple 42",
        role=role,
        actor=SYSTEM,
    )
    issued = token_create(user=user, name="tests", scope=scope, actor=SYSTEM)
    return {"Authorization": f"Bearer {issued.secret}"}


class Api:
    """The test client speaking JSON with one token, as an API caller would."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, path: str, body=None, headers: dict | None = None):
        return self.client.post(
            path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)


@pytest.fixture
def staff_api(client) -> Api:
    return Api(client, make_token("sam", role="staff"))


@pytest.fixture
def viewer_api(client) -> Api:
    return Api(client, make_token("vic", role="viewer"))


def assert_error(response, status: int, code: str, field: str | None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field", "extra"}, body
    assert body["code"] == code, body
    assert body["field"] == field, body
    return body
