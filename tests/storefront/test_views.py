"""The shop's public pages through HTTP, as a customer's browser uses them."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.formatting import money_display
from soloops.orders.models import Order
from soloops.orders.services import order_place
from tests.factories import draft, make_variant
from tests.storefront.conftest import field_error, form_data, written

ORDER_URL = "/shop/order/"


def money(amount: str) -> str:
    return money_display(amount, settings.SHOP_CURRENCY)  # "€12.50" in English


# --- the product list -------------------------------------------------------------------------


def test_product_list_shows_prices_and_stock(client, db):
    # given
    make_variant("MUG-1", price="12.50", stock=5)
    make_variant("POSTER-1", price="1234.00", stock=0)
    reserved = make_variant("EBOOK-1", price="8.00", stock=2, requires_shipping=False)
    order_place(draft=draft((reserved.sku, 2)), channel="api", actor=Actor.system("test"))

    # when
    response = client.get("/shop/")

    # then every active product is listed with its price; stock held for orders is not for sale
    html = response.content.decode()
    assert response.status_code == 200
    assert "Product MUG-1" in html
    assert money("12.50") in html
    assert money("1234.00") in html  # "€1,234.00": grouped
    rows = {p.offers[0].sku: p.offers[0] for p in response.context["products"]}
    assert rows["MUG-1"].in_stock
    assert not rows["POSTER-1"].in_stock
    assert not rows["EBOOK-1"].in_stock
    assert html.count("Sold out") == 2


def test_product_list_hides_what_is_not_for_sale(client, db):
    # given
    make_variant("OLD-1", active=False)
    make_variant("MUG-1")

    # when
    html = client.get("/shop/").content.decode()

    # then
    assert "MUG-1" in html
    assert "OLD-1" not in html


def test_product_list_without_products_says_so(client, db):
    # when
    response = client.get("/shop/")

    # then
    assert response.status_code == 200
    assert "Nothing is for sale right now" in response.content.decode()


@pytest.mark.parametrize("products", [3, 30])
def test_product_list_queries_do_not_grow_with_the_catalogue(
    client, db, products, django_assert_num_queries
):
    # given
    for i in range(products):
        make_variant(f"SKU-{i}", stock=i % 2)

    # when / then: products, their variants, their stock
    with django_assert_num_queries(3):
        response = client.get("/shop/")
    assert len(response.context["products"]) == products


# --- placing an order -------------------------------------------------------------------------


def test_order_through_the_form_lands_on_its_confirmation(browser, db):
    # given
    mug = make_variant("MUG-1", price="12.50", stock=5)
    page = browser.get(ORDER_URL).content.decode()

    # when
    response = browser.post(ORDER_URL, form_data(page, {mug: 2}))

    # then POST/redirect/GET to the order's own page
    order = Order.objects.get()
    assert order.channel == "storefront"
    assert order.email == "ada@example.com"
    assert order.total == Decimal("25.00")
    assert order.shipping_address["name"] == "Ada Lovelace"
    assert response.status_code == 302
    assert response["Location"] == f"/shop/orders/{order.public_token}/"
    confirmation = browser.get(response["Location"])
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert order.number in html
    assert money("25.00") in html
    assert "Product MUG-1" in html
    assert order.get_status_display() in html


def test_digital_goods_need_no_address(browser, db):
    # given
    ebook = make_variant("EBOOK-1", price="8.00", requires_shipping=False)
    page = browser.get(ORDER_URL).content.decode()

    # when
    response = browser.post(
        ORDER_URL,
        form_data(page, {ebook: 1}, line1="", city="", postal_code="", country=""),
    )

    # then
    assert response.status_code == 302
    assert Order.objects.get().shipping_address == {}


def test_a_second_send_of_the_same_form_places_no_second_order(browser, db):
    # given a double click
    mug = make_variant("MUG-1")
    data = form_data(browser.get(ORDER_URL).content.decode(), {mug: 1})

    # when
    first = browser.post(ORDER_URL, data)
    second = browser.post(ORDER_URL, data)

    # then
    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_order_form_without_csrf_token_is_refused(browser, db):
    # given
    mug = make_variant("MUG-1")
    page = browser.get(ORDER_URL).content.decode()
    data = form_data(page, {mug: 1})
    del data["csrfmiddlewaretoken"]
    before = written()

    # when
    response = browser.post(ORDER_URL, data)

    # then
    assert response.status_code == 403
    assert written() == before


def test_product_link_preselects_the_item(client, db):
    # given
    mug = make_variant("MUG-1")

    # when
    response = client.get(ORDER_URL, {"item": mug.pk})

    # then
    assert response.context["form"][f"qty_{mug.pk}"].value() == 1


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "fields", "field", "message"),
    [
        (1, {"city": ""}, "city", "This field is required."),
        (1, {"country": "Germany"}, "country", "two-letter country code"),
        (1, {"country": "1D"}, "country", "two-letter country code"),
        (1, {"email": "not-an-email"}, "email", "valid email address"),
        ("lots", {}, "qty", "Enter a whole number."),
        (-1, {}, "qty", "greater than or equal to 0"),
        (51, {}, "qty", "at most 50 of this item"),  # the review policy's limit, from intake
        (4, {}, "qty", "Only 3 left in stock."),  # the reservation, from intake
    ],
)
def test_bad_input_is_shown_beside_its_field_and_writes_nothing(
    browser, db, quantity, fields, field, message
):
    # given
    mug = make_variant("MUG-1", stock=3)
    page = browser.get(ORDER_URL).content.decode()
    before = written()

    # when
    response = browser.post(ORDER_URL, form_data(page, {mug: quantity}, **fields))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert message in field_error(html, f"qty_{mug.pk}" if field == "qty" else field)
    assert written() == before


def test_an_order_of_nothing_is_refused(browser, db):
    # given
    mug = make_variant("MUG-1")
    page = browser.get(ORDER_URL).content.decode()
    before = written()

    # when
    response = browser.post(ORDER_URL, form_data(page, {mug: 0}))

    # then
    assert response.status_code == 200
    assert "Choose at least one item." in response.content.decode()
    assert response.context["form"].non_field_errors() == ["Choose at least one item."]
    assert written() == before


def test_a_sold_out_item_sent_anyway_is_refused_on_its_line(browser, db):
    # given the item's input is disabled on the page, but a quantity arrives for it
    mug = make_variant("MUG-1")
    sold_out = make_variant("GONE-1", stock=0)
    page = browser.get(ORDER_URL).content.decode()
    assert re.search(rf'<input [^>]*disabled[^>]*id="id_qty_{sold_out.pk}"', page)
    before = written()

    # when
    response = browser.post(ORDER_URL, form_data(page, {mug: 1, sold_out: 2}))

    # then
    assert "sold out" in field_error(response.content.decode(), f"qty_{sold_out.pk}")
    assert written() == before


def test_stock_gone_since_the_page_was_served_is_shown_on_its_line(browser, db):
    # given the last mug goes to another customer while this one fills in the form
    mug = make_variant("MUG-1", stock=1)
    poster = make_variant("POSTER-1", stock=5)
    page = browser.get(ORDER_URL).content.decode()
    order_place(draft=draft((mug.sku, 1)), channel="api", actor=Actor.system("test"))
    before = written()

    # when
    response = browser.post(ORDER_URL, form_data(page, {poster: 1, mug: 1}))

    # then the error names the mug's line, not the poster's
    html = response.content.decode()
    assert "sold out" in field_error(html, f"qty_{mug.pk}")
    assert f'id="id_qty_{poster.pk}_error"' not in html
    assert written() == before


# --- rate limit -------------------------------------------------------------------------------


def test_the_eleventh_attempt_from_one_address_is_turned_away(browser, db):
    # given ten attempts (failed ones count too) from one address
    mug = make_variant("MUG-1")
    page = browser.get(ORDER_URL).content.decode()
    for _ in range(settings.STOREFRONT_ORDER_LIMIT):
        attempt = browser.post(ORDER_URL, form_data(page, {mug: 0}), REMOTE_ADDR="203.0.113.7")
        assert attempt.status_code == 200
    before = written()

    # when a valid order comes next
    response = browser.post(ORDER_URL, form_data(page, {mug: 1}), REMOTE_ADDR="203.0.113.7")

    # then
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert written() == before
    # and another address, and a plain look at the form, are still welcome
    other = browser.post(ORDER_URL, form_data(page, {mug: 1}), REMOTE_ADDR="198.51.100.1")
    assert other.status_code == 302
    assert browser.get(ORDER_URL, REMOTE_ADDR="203.0.113.7").status_code == 200


def test_one_ipv6_network_counts_as_one_client(browser, db):
    # given
    mug = make_variant("MUG-1")
    page = browser.get(ORDER_URL).content.decode()
    for i in range(settings.STOREFRONT_ORDER_LIMIT):
        browser.post(ORDER_URL, form_data(page, {mug: 0}), REMOTE_ADDR=f"2001:db8::{i + 1}")

    # when
    response = browser.post(ORDER_URL, form_data(page, {mug: 1}), REMOTE_ADDR="2001:db8::ff")

    # then
    assert response.status_code == 429


# --- confirmation page ------------------------------------------------------------------------


def test_unknown_confirmation_token_is_not_found(client, db):
    # when
    response = client.get("/shop/orders/not-a-real-token-0123456789abcdef/")

    # then
    assert response.status_code == 404


def test_confirmation_page_is_not_cached(client, db):
    # given
    make_variant("MUG-1")
    order, _ = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=Actor.system("test"))

    # when
    response = client.get(f"/shop/orders/{order.public_token}/")

    # then
    assert "no-store" in response["Cache-Control"]


# --- language and layout ----------------------------------------------------------------------


def test_shop_follows_the_browser_language(db):
    # given
    make_variant("MUG-1", stock=0)

    # when
    html = Client().get("/shop/", headers={"Accept-Language": "zh-hans"}).content.decode()

    # then
    assert '<html lang="zh-hans">' in html
    assert "已售罄" in html
    assert "Sold out" not in html


def test_shop_shows_no_console_controls_to_visitors(client, db):
    # when
    html = client.get("/shop/").content.decode()

    # then
    assert "Log out" not in html
    assert 'href="/shop/"' in html
    assert 'name="viewport"' in html


def test_every_order_field_has_a_label(client, db):
    # given
    mug = make_variant("MUG-1")

    # when
    response = client.get(ORDER_URL)

    # then
    html = response.content.decode()
    for name in response.context["form"].fields:
        if name != "submission":
            assert f'<label for="id_{name}"' in html, name
    assert f'<label for="id_qty_{mug.pk}"' in html
