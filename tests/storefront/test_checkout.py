"""Checkout, confirmation and paying, through HTTP as a customer's browser uses them."""

from decimal import Decimal

import pytest
from django.conf import settings

from soloops.accounts.actors import Actor
from soloops.formatting import money_display
from soloops.orders.models import Order, ShippingRate, TaxRate
from soloops.orders.services import order_place
from soloops.payments.models import Payment
from soloops.shop.services import shop_profile_update
from tests.factories import SYSTEM, draft, make_variant
from tests.storefront.conftest import add_to_cart, checkout_data, field_error, hidden, written

CHECKOUT_URL = "/shop/checkout/"


def money(amount: str) -> str:
    return money_display(amount, settings.SHOP_CURRENCY)


@pytest.fixture
def rates(db):
    ShippingRate.objects.create(country="DE", amount=Decimal("4.90"), free_over=Decimal("100"))
    ShippingRate.objects.create(country="*", amount=Decimal("15.00"))
    TaxRate.objects.create(country="DE", rate=Decimal("0.19"))


def place(browser, **fields):
    page = browser.get(CHECKOUT_URL).content.decode()
    return browser.post(CHECKOUT_URL, checkout_data(page, **fields))


# --- totals before ordering -------------------------------------------------------------------


def test_checkout_shows_shipping_tax_and_total_for_the_chosen_country(browser, rates):
    # given tax added on top of the prices (the default)
    mug = make_variant("MUG-1", price="20.00")
    add_to_cart(browser, mug, 2)

    # when the customer picks Germany (the page asks for the summary as the select changes)
    response = browser.get("/shop/checkout/summary/", {"country": "DE"})

    # then 40.00 + 4.90 shipping + 19 % of 44.90 = 8.53 → 53.43
    html = response.content.decode()
    assert "<html" not in html
    assert money("4.90") in html
    assert money("8.53") in html
    assert money("53.43") in html
    assert "Tax is added to the prices shown." in html


def test_with_prices_including_tax_the_total_is_the_price_shown(browser, rates):
    # given
    shop_profile_update(actor=SYSTEM, prices_include_tax=True)
    mug = make_variant("MUG-1", price="119.00")
    add_to_cart(browser, mug, 1)

    # when
    html = browser.get("/shop/checkout/summary/", {"country": "DE"}).content.decode()

    # then free shipping over 100; the 19 % inside 119.00 is 19.00
    assert money("119.00") in html
    assert "Included tax" in html
    assert money("19.00") in html
    assert "Prices include tax." in html
    # and the order placed costs exactly that
    place(browser, country="DE")
    order = Order.objects.get()
    assert (order.total, order.tax, order.shipping) == (
        Decimal("119.00"),
        Decimal("19.00"),
        Decimal("0.00"),
    )


def test_the_country_is_a_select_of_names_stored_as_its_code(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)

    # when
    page = browser.get(CHECKOUT_URL).content.decode()
    response = place(browser, country="DE")

    # then
    assert '<select name="country"' in page
    assert '<option value="DE">Germany</option>' in page
    assert Order.objects.get().shipping_address["country"] == "DE"
    confirmation = browser.get(response["Location"]).content.decode()
    assert "Germany" in confirmation


def test_an_empty_cart_has_no_checkout(client, db):
    # when
    response = client.get(CHECKOUT_URL)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/shop/cart/"


# --- placing the order ------------------------------------------------------------------------


def test_checkout_places_the_order_and_says_how_to_pay_by_transfer(browser, rates):
    # given
    shop_profile_update(actor=SYSTEM, payment_instructions="IBAN DE02 1203 0000 0000 2020 51")
    mug = make_variant("MUG-1", price="12.50", stock=5)
    add_to_cart(browser, mug, 2)

    # when
    response = place(browser, country="GB", payment="manual")

    # then POST/redirect/GET to the order's own page, placed through intake
    order = Order.objects.get()
    assert order.channel == "storefront"
    assert order.status == "accepted"
    assert order.total == Decimal("40.00")  # 25.00 + 15.00 shipping, no tax for GB
    assert response.status_code == 302
    assert response["Location"] == f"/shop/orders/{order.public_token}/"
    # the transfer is expected, for the owner to mark paid
    payment = Payment.objects.get()
    assert (payment.provider, payment.status) == ("manual", "authorized")
    html = browser.get(response["Location"]).content.decode()
    assert order.number in html
    assert money("40.00") in html
    assert "IBAN DE02 1203 0000 0000 2020 51" in html
    assert "quote your order number" in html
    assert "What happens next" in html
    # and the cart is empty again
    assert browser.get("/shop/cart/").context["cart"].lines == []


def test_paying_by_card_after_the_order_is_placed(browser, rates):
    # given an order placed with card chosen
    mug = make_variant("MUG-1", price="12.50", stock=5)
    add_to_cart(browser, mug, 1)
    url = place(browser, payment="sandbox")["Location"]
    page = browser.get(url).content.decode()
    assert "Pay " in page and "by card" in page
    assert Payment.objects.count() == 0

    # when the customer pays with the sandbox's good card
    response = browser.post(
        url + "pay/",
        {
            "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
            "submission": hidden(page, "submission"),
            "method": "card",
            "card_number": "4242 4242 4242 4242",
        },
    )

    # then
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.status == "captured"
    assert Order.objects.get().status == "paid"
    assert "card ending 4242" in browser.get(url).content.decode()


def pay_by_card(browser, url: str, card: str, page: str | None = None, **headers):
    page = page or browser.get(url).content.decode()
    data = {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "submission": hidden(page, "submission"),
        "method": "card",
        "card_number": card,
    }
    return browser.post(url + "pay/", data, **headers)


def test_a_declined_card_takes_nothing_and_the_customer_may_try_again(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)
    url = place(browser, payment="sandbox")["Location"]

    # when the bank declines, then a good card is used
    pay_by_card(browser, url, "4000 0000 0000 0002")
    after_decline = browser.get(url).content.decode()
    pay_by_card(browser, url, "4242 4242 4242 4242")

    # then
    assert "did not go through" in after_decline
    assert 'name="card_number"' in after_decline
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["captured", "failed"]
    assert Order.objects.get().status == "paid"


def test_a_double_click_on_pay_charges_once(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)
    url = place(browser, payment="sandbox")["Location"]
    page = browser.get(url).content.decode()

    # when the same card form is sent twice
    first = pay_by_card(browser, url, "4242 4242 4242 4242", page)
    second = pay_by_card(browser, url, "4242 4242 4242 4242", page)

    # then
    assert (first.status_code, second.status_code) == (302, 302)
    assert Payment.objects.count() == 1


def test_paying_is_rate_limited_per_address(browser, rates):
    # given many wrong card numbers from one address
    add_to_cart(browser, make_variant("MUG-1"), 1)
    url = place(browser, payment="sandbox")["Location"]
    page = browser.get(url).content.decode()
    for _ in range(settings.STOREFRONT_ORDER_LIMIT):
        assert pay_by_card(browser, url, "1234", page, REMOTE_ADDR="203.0.113.9").status_code == 400

    # when
    response = pay_by_card(browser, url, "4242 4242 4242 4242", page, REMOTE_ADDR="203.0.113.9")

    # then
    assert response.status_code == 429
    assert Payment.objects.count() == 0


def test_a_wrong_card_is_said_beside_the_card_number(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)
    url = place(browser, payment="sandbox")["Location"]
    page = browser.get(url).content.decode()

    # when
    response = browser.post(
        url + "pay/",
        {
            "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
            "submission": hidden(page, "submission"),
            "method": "card",
            "card_number": "1234",
        },
    )

    # then
    assert response.status_code == 400
    assert "test cards" in field_error(response.content.decode(), "card_number")
    assert Payment.objects.count() == 0


def test_a_held_order_is_not_asked_to_pay_yet(browser, rates):
    # given a first order over the review policy's limit is held for the owner
    make_variant("TV-1", price="900.00")
    add_to_cart(browser, make_variant("TV-2", price="900.00"), 1)

    # when
    url = place(browser, payment="manual")["Location"]

    # then
    assert Order.objects.get().status == "on_hold"
    assert Payment.objects.count() == 0
    assert "Nothing to pay yet" in browser.get(url).content.decode()


def test_a_second_send_of_the_same_checkout_places_no_second_order(browser, rates):
    # given a double click
    add_to_cart(browser, make_variant("MUG-1"), 1)
    data = checkout_data(browser.get(CHECKOUT_URL).content.decode())

    # when
    first = browser.post(CHECKOUT_URL, data)
    second = browser.post(CHECKOUT_URL, data)

    # then
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_checkout_without_csrf_token_is_refused(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)
    data = checkout_data(browser.get(CHECKOUT_URL).content.decode())
    del data["csrfmiddlewaretoken"]
    before = written()

    # when
    response = browser.post(CHECKOUT_URL, data)

    # then
    assert response.status_code == 403
    assert written() == before


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"city": ""}, "city", "This field is required."),
        ({"line1": ""}, "line1", "This field is required."),
        ({"country": ""}, "country", "This field is required."),
        ({"country": "XX"}, "country", "Select a valid choice."),
        ({"email": "not-an-email"}, "email", "valid email address"),
        ({"payment": "stripe"}, "payment", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_writes_nothing(
    browser, rates, fields, field, message
):
    # given
    add_to_cart(browser, make_variant("MUG-1", stock=3), 1)
    before = written()

    # when
    response = place(browser, **fields)

    # then
    assert response.status_code == 400
    assert message in field_error(response.content.decode(), field)
    assert written() == before


def test_digital_goods_need_no_address(browser, rates):
    # given
    add_to_cart(browser, make_variant("EBOOK-1", price="8.00", requires_shipping=False), 1)

    # when
    response = place(browser, line1="", city="", postal_code="", country="")

    # then
    assert response.status_code == 302
    assert Order.objects.get().shipping_address == {}


def test_stock_gone_since_the_cart_was_filled_is_shown_on_its_line(browser, rates):
    # given the last mug goes to another customer while this one checks out
    mug = make_variant("MUG-1", stock=1)
    poster = make_variant("POSTER-1", stock=5)
    add_to_cart(browser, mug, 1)
    add_to_cart(browser, poster, 1)
    page = browser.get(CHECKOUT_URL).content.decode()
    order_place(draft=draft((mug.sku, 1)), channel="api", actor=Actor.system("test"))
    before = written()

    # when
    response = browser.post(CHECKOUT_URL, checkout_data(page))

    # then the error names the mug, and the customer is sent to change the cart
    html = response.content.decode()
    assert response.status_code == 400
    assert "Product MUG-1 — Sorry, this item is sold out." in html
    assert 'href="/shop/cart/"' in html
    assert written() == before


# --- rate limit -------------------------------------------------------------------------------


def test_the_eleventh_attempt_from_one_address_is_turned_away(browser, rates):
    # given ten attempts (failed ones count too) from one address
    add_to_cart(browser, make_variant("MUG-1"), 1)
    page = browser.get(CHECKOUT_URL).content.decode()
    for _ in range(settings.STOREFRONT_ORDER_LIMIT):
        attempt = browser.post(
            CHECKOUT_URL, checkout_data(page, city=""), REMOTE_ADDR="203.0.113.7"
        )
        assert attempt.status_code == 400
    before = written()

    # when a valid order comes next
    response = browser.post(CHECKOUT_URL, checkout_data(page), REMOTE_ADDR="203.0.113.7")

    # then
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert written() == before
    # and another address is still welcome
    other = browser.post(CHECKOUT_URL, checkout_data(page), REMOTE_ADDR="198.51.100.1")
    assert other.status_code == 302


def test_one_ipv6_network_counts_as_one_client(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)
    page = browser.get(CHECKOUT_URL).content.decode()
    for i in range(settings.STOREFRONT_ORDER_LIMIT):
        browser.post(CHECKOUT_URL, checkout_data(page, city=""), REMOTE_ADDR=f"2001:db8::{i + 1}")

    # when
    response = browser.post(CHECKOUT_URL, checkout_data(page), REMOTE_ADDR="2001:db8::ff")

    # then
    assert response.status_code == 429


# --- confirmation page ------------------------------------------------------------------------


def test_unknown_confirmation_token_is_not_found(client, db):
    assert client.get("/shop/orders/not-a-real-token-0123456789abcdef/").status_code == 404


def test_confirmation_page_is_not_cached(client, db):
    # given
    make_variant("MUG-1")
    order, _ = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)

    # when
    response = client.get(f"/shop/orders/{order.public_token}/")

    # then
    assert "no-store" in response["Cache-Control"]


def test_every_checkout_field_has_a_label(browser, db):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)

    # when
    response = browser.get(CHECKOUT_URL)

    # then
    html = response.content.decode()
    for name in ("email", "name", "ship_name", "line1", "line2", "city", "postal_code", "country"):
        assert f'<label for="id_{name}"' in html, name
    assert '<label class="shop-choice" for="id_payment_0"' in html


def test_checkout_speaks_chinese_with_country_names_in_chinese(browser, rates):
    # given
    add_to_cart(browser, make_variant("MUG-1"), 1)

    # when
    html = browser.get(CHECKOUT_URL, headers={"Accept-Language": "zh-hans"}).content.decode()

    # then
    assert "<h1>结账</h1>" in html
    assert '<option value="DE">德国</option>' in html
    assert "银行转账" in html
    assert "Checkout" not in html


@pytest.mark.parametrize("lines", [1, 12])
def test_cart_and_checkout_queries_do_not_grow_with_the_cart(
    browser, rates, lines, django_assert_num_queries
):
    # given a cart of several lines, and the rate tables and profile already cached
    for i in range(lines):
        add_to_cart(browser, make_variant(f"SKU-{i}"), 1)
    browser.get("/shop/checkout/summary/", {"country": "DE"})

    # when / then: the session, then products, their variants, their stock
    with django_assert_num_queries(4):
        browser.get("/shop/cart/")
    with django_assert_num_queries(4):
        response = browser.get("/shop/checkout/summary/", {"country": "DE"})
    assert len(response.context["cart"].lines) == lines


# --- delivery methods -------------------------------------------------------------------------


def test_the_summary_offers_the_methods_of_the_chosen_country(browser, rates):
    # given Express to Germany besides Standard
    ShippingRate.objects.create(
        country="DE", method="Express", amount=Decimal("12.90"), days_min=1, days_max=2
    )
    add_to_cart(browser, make_variant("MUG-1", price="20.00"), 2)

    # when Germany and then Express are chosen
    germany = browser.get("/shop/checkout/summary/", {"country": "DE"}).content.decode()
    express = browser.get(
        "/shop/checkout/summary/", {"country": "DE", "shipping": "Express"}
    ).content.decode()

    # then both are offered, Standard chosen first; Express changes shipping and total
    assert 'value="Standard" id="id_shipping_0" checked' in germany
    assert 'value="Express" id="id_shipping_1"' in germany
    assert "1–2 days" in germany  # noqa: RUF001
    assert "This field is required" not in germany  # the summary shows no form errors
    assert f'<dd id="checkout-shipping">{money("12.90")}</dd>' in express
    # 40.00 + 12.90 + 19 % of 52.90 (10.05) = 62.95
    assert money("62.95") in express


def test_a_method_not_offered_to_the_country_is_said_beside_delivery(browser, rates):
    # given Express to Germany only
    ShippingRate.objects.create(country="DE", method="Express", amount=Decimal("12.90"))
    add_to_cart(browser, make_variant("MUG-1", price="20.00"), 1)
    before = written()

    # when a customer in France sends Express (a stale page)
    response = place(browser, country="FR", shipping="Express")

    # then
    assert response.status_code == 400
    assert field_error(response.content.decode(), "shipping") == (
        "Choose one of the delivery options offered to your country."
    )
    assert written() == before


def test_a_country_without_any_rate_ships_free(browser, db):
    # given a shop with rates for Germany only
    ShippingRate.objects.create(country="DE", amount=Decimal("4.90"))
    add_to_cart(browser, make_variant("MUG-1", price="20.00"), 1)

    # when a customer in France orders
    summary = browser.get("/shop/checkout/summary/", {"country": "FR"}).content.decode()
    response = place(browser, country="FR", shipping="")

    # then the summary says it is free, and the order ships free with no method
    assert "Delivery to this country is free." in summary
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.shipping, order.shipping_method) == (Decimal("0.00"), "")
