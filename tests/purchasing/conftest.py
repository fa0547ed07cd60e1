"""Suppliers that sell our SKUs, stock below its reorder point, and row counts to compare."""

from decimal import Decimal

import pytest

from soloops.automation.models import Event
from soloops.catalog.services import supplier_create, supplier_item_set
from soloops.emails.models import EmailSend
from soloops.inventory.models import Movement, StockLevel
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReorderPolicy
from tests.catalog.conftest import (  # noqa: F401
    assert_error,
    default_location,
    make_token,
    owner_auth,
    reader_auth,
)
from tests.factories import SYSTEM, make_variant
from tests.inventory.conftest import accepting_policy, place  # noqa: F401

MODELS = (PurchaseOrder, PurchaseOrderLine, ReorderPolicy, StockLevel, Movement, Event, EmailSend)


def make_supplier(name: str, *, moq: int = 1, lead_time_days: int = 7, **fields):
    return supplier_create(
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.com",
        min_order_quantity=moq,
        lead_time_days=lead_time_days,
        actor=SYSTEM,
        **fields,
    )


def sells(supplier, variant, *, cost: str = "2.00", supplier_sku: str | None = None):
    return supplier_item_set(
        supplier=supplier,
        variant=variant,
        supplier_sku=supplier_sku or f"{supplier.name[:3].upper()}-{variant.sku}",
        unit_cost=Decimal(cost),
        actor=SYSTEM,
    )


def sku(code: str, /, *, stock: int, threshold: int = 5, **fields):
    """A variant with ``stock`` units on hand and the given low-stock threshold."""
    return make_variant(code, stock=stock, low_stock_threshold=threshold, **fields)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def events(type: str) -> list[Event]:
    return list(Event.objects.filter(type=type).order_by("id"))


@pytest.fixture
def viewer_auth(db) -> dict[str, str]:
    """Headers of a viewer's token that has the write scope: the role still forbids writes."""
    return make_token("vic", role="viewer", scope="write")


@pytest.fixture
def staff_auth(db) -> dict[str, str]:
    return make_token("stan", role="staff")


@pytest.fixture
def api(client, owner_auth):  # noqa: F811
    """JSON calls with the owner's write token: ``api("post", path, body)``."""

    def call(method: str, path: str, body=None, headers=None):
        kwargs = {"headers": headers or owner_auth}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(path, **kwargs)

    return call
