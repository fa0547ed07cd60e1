"""The checkout's marketing box: ticked, the customer consents (source storefront, with the
time); left empty, nothing about consent changes (an earlier consent stays)."""

from decimal import Decimal

from soloops.customers.models import Customer
from soloops.orders.models import ShippingRate
from tests.factories import make_variant
from tests.storefront.conftest import add_to_cart, checkout_data

CHECKOUT_URL = "/shop/checkout/"


def place(browser, **fields):
    page = browser.get(CHECKOUT_URL).content.decode()
    assert 'name="marketing"' in page and "checked" not in page.split('name="marketing"')[1][:40]
    return browser.post(CHECKOUT_URL, checkout_data(page, **fields))


def test_ticking_the_box_at_checkout_records_consent_and_leaving_it_changes_nothing(browser, db):
    # given a shop that ships to GB
    ShippingRate.objects.create(country="*", amount=Decimal("5.00"))
    mug = make_variant("MUG-1", price="12.50", stock=10)

    # when a customer orders without ticking the box
    add_to_cart(browser, mug, 1)
    assert (
        place(browser, country="GB", payment="manual", email="ada@example.com").status_code == 302
    )

    # then no consent
    ada = Customer.objects.get(email="ada@example.com")
    assert ada.marketing_consent is False and ada.consent_at is None

    # when she orders again and ticks it
    add_to_cart(browser, mug, 1)
    response = place(
        browser, country="GB", payment="manual", email="ada@example.com", marketing="on"
    )

    # then she consented from the storefront, now
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.marketing_consent is True
    assert ada.consent_source == "storefront" and ada.consent_at is not None

    # and a third order without the box keeps her consent
    add_to_cart(browser, mug, 1)
    place(browser, country="GB", payment="manual", email="ada@example.com")
    ada.refresh_from_db()
    assert ada.marketing_consent is True
