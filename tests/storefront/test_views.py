"""The shop's pages before checkout, through HTTP as a customer's browser uses them: the
product list, a product page, the cart."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.catalog.services import product_create, product_update, variant_create, variant_update
from soloops.formatting import money_display
from soloops.orders.services import order_place
from tests.factories import SYSTEM, draft, make_variant
from tests.storefront.conftest import add_to_cart, field_error, hidden

CART_URL = "/shop/cart/"


def money(amount: str) -> str:
    return money_display(amount, settings.SHOP_CURRENCY)  # "€12.50" in English


def product_url(variant) -> str:
    return f"/shop/p/{variant.product.slug}/"


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
    rows = {p.offers[0].sku: p for p in response.context["products"]}
    assert rows["MUG-1"].in_stock
    assert not rows["POSTER-1"].in_stock
    assert not rows["EBOOK-1"].in_stock
    assert html.count("Sold out") == 2
    assert 'href="/shop/p/mug-1/"' in html


def test_customers_never_see_sku_codes(client, db):
    # given a variant without a name of its own
    product = product_create(name="Blue mug", slug="blue-mug", actor=SYSTEM)
    mug = variant_create(product=product, sku="MUG-BLUE-XL", price=Decimal("9"), actor=SYSTEM)

    # when
    listing = client.get("/shop/").content.decode()
    page = client.get(product_url(mug)).content.decode()

    # then the product's name stands for it, on the list and on its page
    for html in (listing, page):
        assert "MUG-BLUE-XL" not in html
        assert "Blue mug" in html


def test_product_list_hides_what_is_not_for_sale(client, db):
    # given
    make_variant("OLD-1", active=False)
    make_variant("MUG-1")

    # when
    html = client.get("/shop/").content.decode()

    # then
    assert "Product MUG-1" in html
    assert "Product OLD-1" not in html


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

    # when / then: products, their variants, their stock (the session is not touched)
    with django_assert_num_queries(3):
        response = client.get("/shop/")
    assert len(response.context["products"]) == products


# --- a product page ---------------------------------------------------------------------------


def test_product_page_shows_its_variants_without_telling_the_stock(client, db):
    # given a product in two sizes, one of them sold out
    small = make_variant("TEE-S", price="20.00", stock=7, name="Small")

    large = variant_create(
        product=small.product, sku="TEE-L", name="Large", price=Decimal("22.00"), actor=SYSTEM
    )

    # when
    response = client.get(product_url(small))

    # then both sizes are offered with their prices; the sold-out one cannot be chosen
    html = response.content.decode()
    assert response.status_code == 200
    assert "Small" in html and "Large" in html
    assert money("20.00") in html and money("22.00") in html
    assert re.search(rf'value="{large.pk}"[^>]*disabled', html)
    # and no number on the page gives away how many are left
    assert 'max="7"' not in html
    assert ">7<" not in html


def test_unknown_or_inactive_product_is_not_found(client, db):
    # given
    old = make_variant("OLD-1")

    product_update(product=old.product, actor=SYSTEM, active=False)

    # then
    assert client.get("/shop/p/no-such-thing/").status_code == 404
    assert client.get(product_url(old)).status_code == 404


def test_adding_to_the_cart_adds_up(browser, db):
    # given
    mug = make_variant("MUG-1", price="12.50", stock=5)

    # when the customer adds two, then one more
    first = add_to_cart(browser, mug, 2)
    add_to_cart(browser, mug, 1)

    # then
    assert first.status_code == 302
    assert first["Location"] == CART_URL
    cart = browser.get(CART_URL)
    assert cart.context["cart"].quantity_of(mug.pk) == 3
    assert money("37.50") in cart.content.decode()
    # and every page's header says how many items the cart holds
    assert '<span class="badge">3</span>' in browser.get("/shop/").content.decode()


@pytest.mark.parametrize(
    ("in_cart", "quantity", "message"),
    [
        (0, 4, "Only 3 left in stock."),
        (2, 2, "Only 3 left in stock. Your cart already holds 2."),
        (0, 51, "at most 50 of this item"),  # the review policy's limit
        (0, 0, "greater than or equal to 1"),
        (0, "lots", "Enter a whole number."),
    ],
)
def test_asking_for_more_than_is_left_is_said_beside_the_quantity(
    browser, db, in_cart, quantity, message
):
    # given
    mug = make_variant("MUG-1", stock=3)
    if in_cart:
        add_to_cart(browser, mug, in_cart)

    # when
    response = add_to_cart(browser, mug, quantity)

    # then the cart holds what it held
    assert response.status_code == 400
    assert message in field_error(response.content.decode(), "quantity")
    assert browser.get(CART_URL).context["cart"].quantity_of(mug.pk) == in_cart


def test_a_sold_out_variant_sent_anyway_is_refused(browser, db):
    # given the page was served before the last one sold
    mug = make_variant("MUG-1", stock=1)
    order_place(draft=draft((mug.sku, 1)), channel="api", actor=SYSTEM)

    # when
    response = add_to_cart(browser, mug, 1)

    # then
    assert "sold out" in field_error(response.content.decode(), "quantity")


# --- the cart ---------------------------------------------------------------------------------


def cart_post(browser: Client, data: dict, **headers):
    page = browser.get(CART_URL).content.decode()
    return browser.post(
        CART_URL, {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"), **data}, **headers
    )


def test_changing_a_quantity_updates_the_totals_at_once(browser, db):
    # given
    mug = make_variant("MUG-1", price="12.50", stock=5)
    poster = make_variant("POSTER-1", price="30.00", stock=5)
    add_to_cart(browser, mug, 1)
    add_to_cart(browser, poster, 1)

    # when the customer types 3 (HTMX sends the cart as it changes)
    response = cart_post(
        browser, {f"qty_{mug.pk}": "3", f"qty_{poster.pk}": "1"}, HTTP_HX_REQUEST="true"
    )

    # then only the cart comes back, with the new subtotal
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert re.search(r'id="cart-totals".*' + re.escape(money("67.50")), html, re.S)
    # and the header's count, out of band
    assert re.search(r'id="cart-link"[^>]*hx-swap-oob="true">Cart <span class="badge">4<', html)


def test_a_quantity_of_zero_or_remove_takes_the_line_out(browser, db):
    # given
    mug = make_variant("MUG-1")
    poster = make_variant("POSTER-1")
    add_to_cart(browser, mug, 1)
    add_to_cart(browser, poster, 1)

    # when
    cart_post(browser, {f"qty_{mug.pk}": "0", f"qty_{poster.pk}": "1"})
    cart_post(browser, {"remove": str(poster.pk)})

    # then
    response = browser.get(CART_URL)
    assert response.context["cart"].lines == []
    assert "Your cart is empty." in response.content.decode()


def test_more_than_is_left_in_the_cart_is_said_beside_its_line(browser, db):
    # given
    mug = make_variant("MUG-1", stock=3)
    add_to_cart(browser, mug, 1)

    # when
    response = cart_post(browser, {f"qty_{mug.pk}": "9"})

    # then nothing changed
    assert response.status_code == 400
    assert "Only 3 left in stock." in field_error(response.content.decode(), f"qty_{mug.pk}")
    assert browser.get(CART_URL).context["cart"].quantity_of(mug.pk) == 1


def test_the_cart_forgets_what_is_no_longer_for_sale(browser, db):
    # given
    mug = make_variant("MUG-1")
    add_to_cart(browser, mug, 2)

    variant_update(variant=mug, actor=SYSTEM, active=False)

    # when
    response = browser.get(CART_URL)

    # then
    assert response.context["cart"].lines == []


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
    assert 'href="/shop/cart/"' in html
    assert 'name="viewport"' in html


def test_the_old_order_form_leads_to_the_cart(client, db):
    # when
    response = client.get("/shop/order/")

    # then
    assert response.status_code == 302
    assert response["Location"] == CART_URL
