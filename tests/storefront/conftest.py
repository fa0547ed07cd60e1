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


def add_to_cart(browser: Client, variant, quantity: int = 1):
    """Put ``quantity`` of ``variant`` in the browser's cart through its product page."""
    url = f"/shop/p/{variant.product.slug}/"
    page = browser.get(url).content.decode()
    data = {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "variant": str(variant.pk),
        "quantity": str(quantity),
    }
    return browser.post(url, data)


def checkout_data(html: str, **fields) -> dict:
    """What a customer sends from the checkout page: its CSRF and submission tokens, an
    address, a delivery and a payment choice. ``fields`` override any of them."""
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
        "shipping": "Standard",
        "payment": "manual",
    }
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
