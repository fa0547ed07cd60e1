"""A small shop and a browser-like client for the storefront tests."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from soloops.automation.models import Event
from soloops.customers.models import Customer
from soloops.orders.models import Order, OrderLine
from tests.factories import ADDRESS


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counts and intake's cached policy live in the cache: start every test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser() -> Client:
    """A client that, like a browser, must send the CSRF token of the page it was served."""
    return Client(enforce_csrf_checks=True)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def form_data(html: str, quantities: dict, **fields) -> dict:
    """What a customer sends: the page's CSRF and submission tokens, an address, quantities
    by variant. ``fields`` override the address and contact fields."""
    data = {
        "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken"),
        "submission": hidden(html, "submission"),
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "ship_name": "",
        "line1": ADDRESS["line1"],
        "line2": "",
        "city": ADDRESS["city"],
        "postal_code": ADDRESS["postal_code"],
        "country": ADDRESS["country"],
    }
    data |= {f"qty_{variant.pk}": str(qty) for variant, qty in quantities.items()}
    return data | fields


def field_error(html: str, field: str) -> str:
    """The text of the error list rendered beside the field (Django ties it to the input)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def written() -> dict[str, int]:
    """Rows an order attempt could write."""
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "customers": Customer.objects.count(),
        "events": Event.objects.count(),
    }
