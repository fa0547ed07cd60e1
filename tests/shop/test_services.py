"""The shop profile: defaults from the environment, validated changes with their event, the
cache, and the readers that follow it (currency of new orders, shop name, time zone)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soloops.automation.models import Event
from soloops.emails.services import email_send, email_test_send
from soloops.errors import ApplicationError, Conflict, InvalidInput
from soloops.orders.models import TaxRate
from soloops.orders.services import order_place
from soloops.shop.models import ShopProfile
from soloops.shop.selectors import owner_notice_addresses, shop_profile
from soloops.shop.services import shop_profile_update
from tests.factories import SYSTEM, draft, make_variant


def events(type_: str) -> list[Event]:
    return list(Event.objects.filter(type=type_).order_by("id"))


def test_a_fresh_install_reads_the_environment(db, settings):
    # given nobody saved the profile, and the environment names the shop
    settings.SHOP_NAME = "Harbour Ceramics"
    settings.SHOP_CURRENCY = "GBP"
    settings.TIME_ZONE = "Europe/London"

    # when
    profile = shop_profile()

    # then
    assert (profile.name, profile.currency, profile.time_zone) == (
        "Harbour Ceramics",
        "GBP",
        "Europe/London",
    )
    assert profile.saved is False
    assert not ShopProfile.objects.exists()


def test_saving_changes_the_profile_and_records_what_changed(db, settings):
    # given
    settings.SHOP_NAME = "My Shop"

    # when
    profile = shop_profile_update(
        actor=SYSTEM, name="Harbour Ceramics", contact_email="Hello@Harbour.example"
    )

    # then the row holds the change and the environment's other values
    assert profile.saved is True
    assert profile.name == "Harbour Ceramics"
    assert profile.contact_email == "hello@harbour.example"
    row = ShopProfile.objects.get()
    assert (row.name, row.currency) == ("Harbour Ceramics", settings.SHOP_CURRENCY)
    (event,) = events("shop.updated")
    assert event.payload["changes"] == {
        "name": {"from": "My Shop", "to": "Harbour Ceramics"},
        "contact_email": {"from": "", "to": "hello@harbour.example"},
    }
    assert event.actor_label == SYSTEM.label


def test_the_profile_is_read_from_the_cache_and_a_save_refreshes_it(db):
    # given a saved profile, read once
    shop_profile_update(actor=SYSTEM, name="First")
    shop_profile()

    # when it is read again, then it costs no query
    with CaptureQueriesContext(connection) as reads:
        assert shop_profile().name == "First"
    assert len(reads) == 0

    # and a save is seen at once
    shop_profile_update(actor=SYSTEM, name="Second")
    assert shop_profile().name == "Second"


def test_saving_the_same_values_changes_nothing(db):
    # given
    shop_profile_update(actor=SYSTEM, name="Same")

    # when
    shop_profile_update(actor=SYSTEM, name="Same")

    # then
    assert len(events("shop.updated")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"language": "fr"}, "language"),
        ({"colour": "blue"}, "colour"),
        ({"prices_include_tax": "yes"}, "prices_include_tax"),
        ({"payment_instructions": "x" * 2001}, "payment_instructions"),
    ],
)
def test_bad_values_name_the_field_and_change_nothing(db, changes, field):
    # when
    with pytest.raises(InvalidInput) as raised:
        shop_profile_update(actor=SYSTEM, **{"language": "en", **changes})

    # then
    assert raised.value.field == field
    assert not ShopProfile.objects.exists()
    assert events("shop.updated") == []


def test_the_currency_changes_freely_before_any_price_exists(db, settings):
    # given a fresh shop in EUR
    settings.SHOP_CURRENCY = "EUR"

    # when
    shop_profile_update(actor=SYSTEM, currency="usd")

    # then new products are priced, and new orders placed, in dollars
    make_variant("MUG-1", price="12.50", stock=5)
    order, _created = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)
    assert order.currency == "USD"
    assert shop_profile().currency == "USD"


def test_the_currency_cannot_change_once_prices_exist_in_it(db, settings):
    # given a product priced in the shop currency
    settings.SHOP_CURRENCY = "EUR"
    make_variant("MUG-1", price="12.50", stock=5)

    # when
    with pytest.raises(Conflict) as raised:
        shop_profile_update(actor=SYSTEM, currency="USD", name="Renamed")

    # then nothing changed, not even the other field
    assert raised.value.field == "currency"
    assert raised.value.code == "currency_in_use"
    assert shop_profile().currency == "EUR"
    assert shop_profile().name != "Renamed"
    assert events("shop.updated") == []


def test_the_storefront_and_emails_use_the_saved_name(db):
    # given
    shop_profile_update(actor=SYSTEM, name="Harbour Ceramics", contact_email="hello@h.example")

    # when
    tag = Template("{% load storefront %}{% shop_name %}").render(Context())
    with transaction.atomic():
        send_id = email_test_send(to="ada@example.com", actor=SYSTEM)
    email_send(send_id=send_id)

    # then
    assert tag == "Harbour Ceramics"
    (message,) = mail.outbox
    assert message.subject == "[Harbour Ceramics] Test email"
    assert "Harbour Ceramics" in message.body
    assert message.reply_to == ["hello@h.example"]


def test_owner_notices_go_to_the_contact_email_when_there_is_one(db):
    # given an owner with an address
    from tests.dashboard.conftest import make_person

    make_person("olivia", "owner")
    assert owner_notice_addresses() == ["olivia@example.com"]

    # when
    shop_profile_update(actor=SYSTEM, contact_email="notices@h.example")

    # then
    assert owner_notice_addresses() == ["notices@h.example"]


def test_the_test_email_key_sends_once_per_form(db):
    # given
    key = "0" * 32

    # when the same form is posted twice
    with transaction.atomic():
        first = email_test_send(to="ada@example.com", actor=SYSTEM, key=key)
        again = email_test_send(to="ada@example.com", actor=SYSTEM, key=key)
        other = email_test_send(to="ada@example.com", actor=SYSTEM)

    # then
    assert first == again != other


def test_a_bad_test_email_address_names_the_field(db):
    with pytest.raises(ApplicationError) as raised, transaction.atomic():
        email_test_send(to="nobody", actor=SYSTEM)

    assert raised.value.field == "to"


def test_a_request_runs_in_the_shop_time_zone(client, db):
    # given a shop in Shanghai
    shop_profile_update(actor=SYSTEM, time_zone="Asia/Shanghai")
    seen = {}

    def view_time(request):
        from django.http import HttpResponse

        seen["zone"] = str(timezone.get_current_timezone())
        seen["local"] = timezone.localtime(datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
        return HttpResponse("ok")

    from django.test import RequestFactory

    from soloops.shop.middleware import ShopMiddleware

    # when a request passes the middleware
    ShopMiddleware(view_time)(RequestFactory().get("/"))

    # then
    assert seen["zone"] == "Asia/Shanghai"
    assert seen["local"].hour == 8
    assert str(timezone.get_current_timezone()) != "Asia/Shanghai"  # and only for the request


def test_prices_including_tax_change_what_new_orders_cost(db):
    # given a 20 % tax everywhere and a 12.00 mug
    TaxRate.objects.create(country="*", rate=Decimal("0.20"))
    cache.clear()  # intake caches the rate tables briefly
    make_variant("MUG-1", price="12.00", requires_shipping=False)
    before, _ = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)

    # when the owner says her prices include tax
    shop_profile_update(actor=SYSTEM, prices_include_tax=True)
    after, _ = order_place(
        draft=draft(("MUG-1", 1), email="bob@example.com"), channel="api", actor=SYSTEM
    )

    # then the first order paid tax on top; the next one pays the price, 2.00 of it tax
    assert (before.total, before.tax) == (Decimal("14.40"), Decimal("2.40"))
    assert (after.total, after.tax) == (Decimal("12.00"), Decimal("2.00"))
    assert shop_profile().prices_include_tax is True
    assert events("shop.updated")[-1].payload["changes"]["prices_include_tax"] == {
        "from": False,
        "to": True,
    }
