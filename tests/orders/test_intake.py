"""Order intake through POST /api/orders: server-side totals, input errors that name the field and
write nothing, and Idempotency-Key replays with Stripe's semantics."""

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from soloops.catalog.services import product_update, variant_update
from soloops.customers.models import Customer
from soloops.customers.services import customer_for_order
from soloops.orders import services
from soloops.orders.models import Order, ShippingRate, TaxRate
from tests.conftest import wait_until
from tests.factories import ADDRESS, SYSTEM, draft
from tests.inventory.conftest import lock_waiters
from tests.orders.conftest import body, counts, reserved, set_policy


@pytest.fixture
def rates(db):
    """GB: 4.90 shipping, free from 50.00, 20 % tax. Elsewhere: 9.90 shipping, no tax."""
    ShippingRate.objects.create(country="GB", amount=Decimal("4.90"), free_over=Decimal("50.00"))
    ShippingRate.objects.create(country="*", amount=Decimal("9.90"))
    TaxRate.objects.create(country="GB", rate=Decimal("0.2000"))
    TaxRate.objects.create(country="*", rate=Decimal("0.0000"))
    cache.clear()


def money(data: dict) -> dict[str, Decimal]:
    return {k: Decimal(str(data[k])) for k in ("subtotal", "shipping", "tax", "total")}


# --- totals ---------------------------------------------------------------------------------


def test_totals_are_computed_by_the_server(api, shop, rates):
    # when
    response = api.post("/api/orders", body(("MUG-1", 2), ("POSTER-1", 1)))

    # then 2 x 12.50 + 30.00 = 55.00 reaches the GB free-shipping threshold; tax is 20 %
    assert response.status_code == 201, response.content
    data = response.json()
    expected = {
        "subtotal": Decimal("55.00"),
        "shipping": Decimal("0.00"),
        "tax": Decimal("11.00"),
        "total": Decimal("66.00"),
    }
    assert money(data) == expected
    assert [(ln["sku"], Decimal(ln["unit_price"])) for ln in data["lines"]] == [
        ("MUG-1", Decimal("12.50")),
        ("POSTER-1", Decimal("30.00")),
    ]
    stored = Order.objects.get(number=data["number"])
    assert {k: getattr(stored, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"total": "1.00"}, "total"),
        ({"lines": [{"sku": "MUG-1", "quantity": 2, "price": "0.01"}]}, "lines[0].price"),
    ],
)
def test_client_prices_and_totals_are_refused_by_name(api, shop, rates, error, extra, field):
    # given a body that carries its own (absurd) price or total
    payload = {**body(("MUG-1", 2)), **extra}
    before = counts()

    # when
    response = api.post("/api/orders", payload)

    # then the unknown field is named, and nothing is written
    data = error(response, 422, "invalid_input", field)
    assert "not permitted" in data["message"]
    assert counts() == before


def test_shipping_is_charged_under_the_threshold_and_taxed(api, shop, rates):
    # when 3 x 12.50 = 37.50, under 50.00
    response = api.post("/api/orders", body(("MUG-1", 3)))

    # then shipping 4.90; tax 20 % of 42.40 = 8.48
    assert response.status_code == 201, response.content
    assert money(response.json()) == {
        "subtotal": Decimal("37.50"),
        "shipping": Decimal("4.90"),
        "tax": Decimal("8.48"),
        "total": Decimal("50.88"),
    }


def test_shipping_is_free_once_the_subtotal_reaches_the_threshold(api, shop, rates):
    # when 4 x 12.50 = 50.00 exactly, then 2 x 30.00 = 60.00
    at = api.post("/api/orders", body(("MUG-1", 4)))
    over = api.post("/api/orders", body(("POSTER-1", 2), email="bob@example.com"))

    # then
    assert Decimal(at.json()["shipping"]) == Decimal("0.00")
    assert Decimal(over.json()["shipping"]) == Decimal("0.00")
    assert Decimal(over.json()["total"]) == Decimal("72.00")


def test_a_country_without_its_own_rates_uses_the_star_rates(api, shop, rates):
    # when shipping to the US
    response = api.post(
        "/api/orders", body(("MUG-1", 1), shipping_address={**ADDRESS, "country": "US"})
    )

    # then 12.50 + 9.90, no tax
    assert money(response.json()) == {
        "subtotal": Decimal("12.50"),
        "shipping": Decimal("9.90"),
        "tax": Decimal("0.00"),
        "total": Decimal("22.40"),
    }


def test_changed_rates_apply_once_the_cache_is_cleared(api, shop, rates):
    # given a first order priced with 20 % tax, then the owner raises it
    first = api.post("/api/orders", body(("POSTER-1", 2)))
    TaxRate.objects.filter(country="GB").update(rate=Decimal("0.2500"))
    cache.clear()

    # when
    second = api.post("/api/orders", body(("POSTER-1", 2), email="bob@example.com"))

    # then
    assert Decimal(first.json()["tax"]) == Decimal("12.00")
    assert Decimal(second.json()["tax"]) == Decimal("15.00")


def test_a_digital_only_order_needs_no_address_and_pays_no_shipping(api, shop, rates):
    # given only an e-book, and no address at all
    payload = body(("EBOOK-1", 2))
    del payload["shipping_address"]

    # when
    response = api.post("/api/orders", payload)

    # then
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "accepted"
    assert data["shipping_address"] == {}
    assert money(data) == {
        "subtotal": Decimal("16.00"),
        "shipping": Decimal("0.00"),
        "tax": Decimal("0.00"),
        "total": Decimal("16.00"),
    }
    assert reserved("EBOOK-1") == 2


def test_accepted_intake_writes_order_lines_customer_reservations_and_events(api, shop, rates):
    # given
    before = counts()

    # when
    response = api.post("/api/orders", body(("MUG-1", 2), ("POSTER-1", 1)))

    # then
    assert response.status_code == 201, response.content
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "orders": 1,
        "lines": 2,
        "customers": 1,
        # customer.created, order.placed, order.accepted
        "events": 3,
        "reservations": 2,
    }
    assert (reserved("MUG-1"), reserved("POSTER-1")) == (2, 1)
    assert [e["type"] for e in response.json()["timeline"]] == ["order.placed", "order.accepted"]


# --- bad input: 422 naming the field, nothing written ---------------------------------------


def without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


BAD = {
    "unknown SKU on the second line": (
        body(("MUG-1", 1), ("NOPE-9", 1)),
        "unknown_sku",
        "lines[1].sku",
    ),
    "quantity over the policy limit": (body(("MUG-1", 51)), "quantity_limit", "lines[0].quantity"),
    "quantity zero": (body(("MUG-1", 1), ("MUG-1", 0)), None, "lines[1].quantity"),
    "quantity negative": (body(("MUG-1", -2)), None, "lines[0].quantity"),
    "quantity not a number": (
        {**body(), "lines": [{"sku": "MUG-1", "quantity": "two"}]},
        None,
        "lines[0].quantity",
    ),
    "no lines": (body(), None, "lines"),
    "no email": (without(body(("MUG-1", 1)), "email"), None, "email"),
    "bad email": (body(("MUG-1", 1), email="not-an-email"), "invalid_email", "email"),
    "shipping address missing for goods that ship": (
        without(body(("EBOOK-1", 1), ("MUG-1", 1)), "shipping_address"),
        "missing_address",
        "shipping_address",
    ),
    "shipping city missing": (
        body(("MUG-1", 1), shipping_address=without(ADDRESS, "city")),
        None,
        "shipping_address.city",
    ),
    "shipping city blank": (
        body(("MUG-1", 1), shipping_address={**ADDRESS, "city": "   "}),
        "missing_address",
        "shipping_address.city",
    ),
    "shipping postal code missing": (
        body(("MUG-1", 1), shipping_address=without(ADDRESS, "postal_code")),
        None,
        "shipping_address.postal_code",
    ),
    "shipping country a name, not a code": (
        body(("MUG-1", 1), shipping_address={**ADDRESS, "country": "Germany"}),
        None,
        "shipping_address.country",
    ),
    "shipping country with a digit": (
        body(("MUG-1", 1), shipping_address={**ADDRESS, "country": "D1"}),
        None,
        "shipping_address.country",
    ),
    "billing country bad": (
        body(("MUG-1", 1), billing_address={**ADDRESS, "country": "DEU"}),
        None,
        "billing_address.country",
    ),
    "billing name blank": (
        body(("MUG-1", 1), billing_address={**ADDRESS, "name": " "}),
        "missing_address",
        "billing_address.name",
    ),
    "language not offered": (body(("MUG-1", 1), language="fr"), None, "language"),
}


@pytest.mark.parametrize(("payload", "code", "field"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    api, shop, rates, error, payload, code, field
):
    # given
    before = counts()
    stock_before = (reserved("MUG-1"), reserved("EBOOK-1"))

    # when
    response = api.post("/api/orders", payload)

    # then
    error(response, 422, code, field)
    assert counts() == before
    assert (reserved("MUG-1"), reserved("EBOOK-1")) == stock_before


@pytest.mark.parametrize("switch_off", ["variant", "product"])
def test_an_inactive_sku_is_422_naming_the_line(api, shop, rates, error, switch_off):
    # given the poster is no longer for sale
    poster = shop["POSTER-1"]
    if switch_off == "variant":
        variant_update(variant=poster, active=False, actor=SYSTEM)
    else:
        product_update(product=poster.product, active=False, actor=SYSTEM)
    before = counts()

    # when
    response = api.post("/api/orders", body(("MUG-1", 1), ("POSTER-1", 1)))

    # then
    error(response, 422, "inactive_sku", "lines[1].sku")
    assert counts() == before


def test_the_quantity_limit_follows_the_policy(api, shop, rates, error):
    # given the owner lowers the per-line limit to 5
    set_policy(max_quantity_per_line=5)

    # when
    at_limit = api.post("/api/orders", body(("MUG-1", 5)))
    over = api.post("/api/orders", body(("MUG-1", 6), email="bob@example.com"))

    # then
    assert at_limit.status_code == 201, at_limit.content
    error(over, 422, "quantity_limit", "lines[0].quantity")


def test_not_enough_stock_is_409_naming_the_line_and_writes_nothing(api, shop, rates, error):
    # given 100 posters; the second line asks for more than the remaining 10 after a first order
    set_policy(max_quantity_per_line=100)
    assert api.post("/api/orders", body(("POSTER-1", 90))).status_code == 201
    before = counts()

    # when
    response = api.post(
        "/api/orders", body(("MUG-1", 1), ("POSTER-1", 11), email="new@example.com")
    )

    # then
    data = error(response, 409, "insufficient_stock", "lines[1].quantity")
    assert data["extra"] == {"sku": "POSTER-1", "available": 10, "requested": 11}
    assert counts() == before
    assert not Customer.objects.filter(email="new@example.com").exists()
    assert (reserved("MUG-1"), reserved("POSTER-1")) == (0, 90)


# --- Idempotency-Key ------------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_same_order_and_writes_nothing(api, shop, rates):
    # given a first request with a key
    key = {"Idempotency-Key": "retry-7c1e"}
    first = api.post("/api/orders", body(("MUG-1", 2)), headers=key)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    before = counts()

    # when the client retries it
    second = api.post("/api/orders", body(("MUG-1", 2)), headers=key)

    # then
    assert second.status_code == 201, second.content
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["number"] == first.json()["number"]
    assert second.json()["total"] == first.json()["total"]
    assert counts() == before
    assert reserved("MUG-1") == 2


def test_the_same_key_with_another_body_is_422_naming_the_key(api, shop, rates, error):
    # given
    key = {"Idempotency-Key": "retry-7c1e"}
    assert api.post("/api/orders", body(("MUG-1", 2)), headers=key).status_code == 201
    before = counts()

    # when
    response = api.post("/api/orders", body(("MUG-1", 3)), headers=key)

    # then
    error(response, 422, "idempotency_key_reused", "Idempotency-Key")
    assert counts() == before
    assert reserved("MUG-1") == 2


def test_a_request_refused_for_bad_input_does_not_use_up_its_key(api, shop, rates, error):
    # given a first attempt refused before anything ran (Stripe saves no result for those)
    key = {"Idempotency-Key": "retry-9"}
    error(api.post("/api/orders", body(("NOPE", 1)), headers=key), 422, "unknown_sku")

    # when the client corrects the body and sends it with the same key
    response = api.post("/api/orders", body(("MUG-1", 1)), headers=key)

    # then
    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response


def test_different_keys_make_different_orders(api, shop, rates):
    # when
    a = api.post("/api/orders", body(("MUG-1", 1)), headers={"Idempotency-Key": "a"})
    b = api.post("/api/orders", body(("MUG-1", 1)), headers={"Idempotency-Key": "b"})

    # then
    assert a.json()["number"] != b.json()["number"]
    assert Order.objects.count() == 2


def test_a_key_over_200_characters_is_422_naming_it(api, shop, rates, error):
    # when
    response = api.post("/api/orders", body(("MUG-1", 1)), headers={"Idempotency-Key": "k" * 201})

    # then
    error(response, 422, "invalid_input", "Idempotency-Key")
    assert Order.objects.count() == 0


# --- a first-time customer ordering twice at once -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_first_orders_from_one_email_both_succeed(shop, rates):
    # given a transaction that has created the customer but not yet committed (PostgreSQL
    # only: SQLite runs one writer at a time, so the second intake could not even start)
    if connection.vendor not in ("postgresql", "mysql"):
        pytest.skip("the interleaving needs concurrent writers (PostgreSQL, MySQL)")
    created, release, outcome = threading.Event(), threading.Event(), {}

    def first_intake():
        try:
            with transaction.atomic():
                customer_for_order(
                    email="twice@example.com",
                    name="Twice",
                    language="en",
                    shipping_address=ADDRESS,
                    billing_address=ADDRESS,
                    actor=SYSTEM,
                )
                created.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    thread = threading.Thread(target=first_intake)
    thread.start()
    created.wait(timeout=60)

    def second_intake():
        try:
            outcome["order"] = services.order_place(
                draft=draft(("MUG-1", 1), email="twice@example.com"), channel="api", actor=SYSTEM
            )[0]
        except Exception as e:  # the assertion below shows it
            outcome["error"] = e
        finally:
            connection.close()

    second = threading.Thread(target=second_intake)
    second.start()

    # when the second intake waits on the customer's unique email, and the first commits
    wait_until(
        lambda: lock_waiters() > 0,
        what=lambda: f"the second intake to wait on the first ({outcome})",
    )
    release.set()
    thread.join(timeout=60)
    second.join(timeout=60)

    # then the second order went to the one customer the first transaction created
    assert "error" not in outcome, repr(outcome.get("error"))
    assert Customer.objects.filter(email="twice@example.com").count() == 1
    assert outcome["order"].customer_id == Customer.objects.get(email="twice@example.com").pk
