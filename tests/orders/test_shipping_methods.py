"""Delivery methods: the owner's rates name a method ("Standard 3-5 days", "Express 1-2
days"); the customer or API caller chooses one; the order keeps the method, its days and its
price; quotes and totals use it; a method not offered to the country is refused by name."""

from decimal import Decimal

import pytest

from soloops.automation.models import Event
from soloops.errors import Conflict, InvalidInput
from soloops.orders.models import Order, ShippingRate
from soloops.orders.pricing import compute_totals, shipping_options
from soloops.orders.services import (
    order_place,
    order_quote,
    order_shipping_options,
    shipping_rate_create,
    shipping_rate_update,
)
from tests.factories import ADDRESS, SYSTEM, draft, make_variant

D = Decimal
DE = {**ADDRESS, "country": "DE", "city": "Hamburg"}


@pytest.fixture
def rates(db):
    """Standard everywhere (free over 50), Express to Germany only (never free)."""
    shipping_rate_create(
        country="*", method="Standard", amount="4.90", free_over="50", days_min=3, days_max=5,
        actor=SYSTEM,
    )  # fmt: skip
    shipping_rate_create(
        country="DE", method="Express", amount="9.90", days_min=1, days_max=2, actor=SYSTEM
    )
    return make_variant("MUG-1", price="12.50", stock=20)


def test_the_options_for_a_country_are_its_methods_cheapest_first(rates):
    # when
    germany = order_shipping_options([(rates, 2)], "DE")
    france = order_shipping_options([(rates, 2)], "FR")

    # then Express is offered only where it has a rate; "*" covers Standard everywhere
    assert [(o.method, o.price, o.days_min, o.days_max) for o in germany] == [
        ("Standard", D("4.90"), 3, 5),
        ("Express", D("9.90"), 1, 2),
    ]
    assert [o.method for o in france] == ["Standard"]


def test_free_over_applies_per_method(rates):
    # when the subtotal (62.50) passes Standard's threshold
    options = order_shipping_options([(rates, 5)], "DE")

    # then Standard is free and Express still costs
    assert [(o.method, o.price) for o in options] == [
        ("Standard", D("0.00")),
        ("Express", D("9.90")),
    ]


def test_the_quote_follows_the_chosen_method(rates):
    # when
    standard = order_quote(lines=[(rates, 2)], country="DE")
    express = order_quote(lines=[(rates, 2)], country="DE", method="Express")
    not_offered = order_quote(lines=[(rates, 2)], country="FR", method="Express")

    # then
    assert (standard.shipping_method, standard.shipping, standard.total) == (
        "Standard",
        D("4.90"),
        D("29.90"),
    )
    assert (express.shipping_method, express.shipping, express.total) == (
        "Express",
        D("9.90"),
        D("34.90"),
    )
    assert not_offered.shipping_method == "Standard"  # a stale choice quotes the cheapest


def test_an_order_records_the_chosen_method_days_and_price(rates):
    # when
    order, _ = order_place(
        draft=draft(("MUG-1", 2), shipping_address=DE, shipping_method="Express"),
        channel="api",
        actor=SYSTEM,
    )

    # then
    order.refresh_from_db()
    assert (order.shipping_method, order.shipping_days_min, order.shipping_days_max) == (
        "Express",
        1,
        2,
    )
    assert (order.shipping, order.total) == (D("9.90"), D("34.90"))


def test_an_order_without_a_method_ships_by_the_cheapest(rates):
    # when
    order, _ = order_place(
        draft=draft(("MUG-1", 2), shipping_address=DE), channel="api", actor=SYSTEM
    )

    # then
    assert (order.shipping_method, order.shipping) == ("Standard", D("4.90"))


def test_a_method_not_offered_to_the_country_is_refused_and_nothing_is_written(rates):
    # when Express is asked for France
    with pytest.raises(InvalidInput) as refused:
        order_place(
            draft=draft(("MUG-1", 1), shipping_address=ADDRESS, shipping_method="Express"),
            channel="api",
            actor=SYSTEM,
        )

    # then
    assert refused.value.field == "shipping_method"
    assert refused.value.extra == {"offered": ["Standard"]}
    assert not Order.objects.exists()


def test_digital_goods_have_no_method(rates):
    # given
    make_variant("EBOOK-1", price="8.00", stock=5, requires_shipping=False)

    # when
    order, _ = order_place(
        draft=draft(("EBOOK-1", 1), shipping_address={}), channel="api", actor=SYSTEM
    )

    # then
    assert (order.shipping_method, order.shipping) == ("", D("0.00"))


def test_one_rate_per_country_and_method(rates):
    # when a second Express row for Germany is added
    with pytest.raises(Conflict) as taken:
        shipping_rate_create(country="DE", method="Express", amount="12", actor=SYSTEM)

    # then it is refused; a Standard row for Germany is fine
    assert taken.value.field == "country"
    shipping_rate_create(country="DE", method="Standard", amount="3.90", actor=SYSTEM)
    assert ShippingRate.objects.filter(country="DE").count() == 2


def test_a_rate_change_records_its_method_in_the_event(rates):
    # given
    express = ShippingRate.objects.get(method="Express")

    # when
    shipping_rate_update(
        rate=express, country="DE", method="Express", amount="11.90", days_min=1, days_max=1,
        actor=SYSTEM,
    )  # fmt: skip

    # then
    event = Event.objects.filter(type="shipping_rate.updated").get()
    assert event.payload["method"] == "Express"
    assert (event.payload["amount"], event.payload["days_max"]) == ("11.90", 1)
    assert event.payload["from"]["amount"] == "9.90"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"method": ""}, "method"),
        ({"method": "x" * 61}, "method"),
        ({"days_min": "-1"}, "days_min"),
        ({"days_min": "5", "days_max": "2"}, "days_max"),
    ],
)
def test_bad_rate_input_names_its_field(db, fields, field):
    # when
    with pytest.raises(InvalidInput) as refused:
        shipping_rate_create(**{"country": "DE", "amount": "4", **fields}, actor=SYSTEM)

    # then
    assert refused.value.field == field
    assert not ShippingRate.objects.exists()


def test_older_callers_tables_of_one_rate_per_country_still_price():
    # given the shape the demo and older callers build: {country: rate}
    tables = ({"DE": ShippingRate(country="DE", amount=D("4.90"))}, {})

    # when
    totals = compute_totals(line_totals=[D("10")], ships=True, country="DE", tables=tables)

    # then
    assert (totals.shipping, totals.shipping_method) == (D("4.90"), "Standard")
    assert shipping_options(tables[0], country="FR", subtotal=D(10)) == []


# --- through the API ------------------------------------------------------------------------


def test_the_api_takes_a_method_and_shows_it_on_the_order(api, rates):
    # when
    created = api.post(
        "/api/orders",
        {
            "email": "ada@example.com",
            "lines": [{"sku": "MUG-1", "quantity": 2}],
            "shipping_address": DE,
            "shipping_method": "Express",
        },
    )

    # then the answer and the order's detail carry the method, its days and price
    assert created.status_code == 201, created.content
    detail = api.get(created["Location"]).json()
    for data in (created.json(), detail):
        assert (data["shipping_method"], data["shipping_days_min"], data["shipping_days_max"]) == (
            "Express",
            1,
            2,
        )
        assert (D(data["shipping"]), D(data["total"])) == (D("9.90"), D("34.90"))


def test_the_api_refuses_a_method_not_offered_by_name(api, rates, error):
    # when
    refused = api.post(
        "/api/orders",
        {
            "email": "ada@example.com",
            "lines": [{"sku": "MUG-1", "quantity": 1}],
            "shipping_address": ADDRESS,
            "shipping_method": "Express",
        },
    )

    # then
    data = error(refused, 422, "invalid_method", "shipping_method")
    assert data["extra"] == {"offered": ["Standard"]}
    assert not Order.objects.exists()
