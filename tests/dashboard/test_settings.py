"""Settings in the console: every form saves through its service and records its event; bad
input shows the error beside its field and changes nothing; staff and viewers may look but a
POST from them is refused; secrets never reach a page; query counts do not grow with rows."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from soloops.accounts.models import ApiToken, User
from soloops.accounts.services import token_create, user_set_language
from soloops.automation.models import Event
from soloops.emails.models import EmailSend
from soloops.orders.models import ReviewPolicy, ShippingRate, TaxRate
from soloops.orders.services import order_place
from soloops.process_cache import forget_all_here
from soloops.shop.models import ShopProfile
from soloops.shop.selectors import shop_profile
from soloops.shop.services import shop_profile_update
from tests.dashboard.conftest import PASSWORD, SYSTEM, make_person
from tests.emails.conftest import smtp  # noqa: F401  (the aiosmtpd server fixture)
from tests.factories import draft, make_variant

SMTP_PASSWORD = "s3cret-smtp-passw0rd"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The profile, rate tables and policy are kept per process; a test's rows roll back with
    its database, so its copies must go too."""
    cache.clear()
    forget_all_here()
    yield
    cache.clear()
    forget_all_here()


def event_types(prefix: str = "") -> list[str]:
    return list(
        Event.objects.filter(type__startswith=prefix).order_by("id").values_list("type", flat=True)
    )


def html(response) -> str:
    return response.content.decode()


def error_beside(response, field_id: str) -> str:
    """The error list rendered right after the field ``field_id`` (its text), or ""."""
    match = re.search(
        rf'id="{field_id}"[^>]*>.*?<ul class="errorlist" id="{field_id}_error">(.*?)</ul>',
        html(response),
        re.S,
    )
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def success_message(response) -> str:
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages, "no message after the action"
    return messages[-1]


# --- the shop profile -----------------------------------------------------------------------

PROFILE = {
    "name": "Harbour Ceramics",
    "contact_email": "hello@harbour.example",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "language": "en",
}


def test_the_owner_saves_the_shop_profile(owner_client):
    # when
    response = owner_client.post(reverse("dashboard:settings"), PROFILE, follow=True)

    # then
    assert response.redirect_chain == [(reverse("dashboard:settings"), 302)]
    assert success_message(response) == "Shop profile saved."
    row = ShopProfile.objects.get()
    assert (row.name, row.contact_email, row.time_zone) == (
        "Harbour Ceramics",
        "hello@harbour.example",
        "Europe/Berlin",
    )
    assert event_types("shop.") == ["shop.updated"]
    page = html(response)
    assert 'value="Harbour Ceramics"' in page
    assert '<option value="Europe/Berlin" selected>' in page


def test_the_owner_sets_tax_inclusive_prices_and_transfer_instructions(owner_client):
    # when
    owner_client.post(
        reverse("dashboard:settings"),
        {
            **PROFILE,
            "prices_include_tax": "true",
            "payment_instructions": "IBAN DE02 1203 0000 0000 2020 51",
        },
    )

    # then
    row = ShopProfile.objects.get()
    assert row.prices_include_tax is True
    assert row.payment_instructions == "IBAN DE02 1203 0000 0000 2020 51"
    page = html(owner_client.get(reverse("dashboard:settings")))
    assert '<option value="true" selected>' in page
    # and a form sent without those fields (an older page) leaves them as they are
    owner_client.post(reverse("dashboard:settings"), {**PROFILE, "name": "Renamed"})
    row.refresh_from_db()
    assert (row.name, row.prices_include_tax) == ("Renamed", True)
    assert row.payment_instructions == "IBAN DE02 1203 0000 0000 2020 51"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice"),
        ("currency", "ZZZ", "Select a valid choice"),
        ("contact_email", "not-an-address", "Enter a valid email address"),
        ("name", "", "This field is required"),
    ],
)
def test_a_bad_profile_value_is_shown_beside_its_field(owner_client, field, value, message):
    # when
    response = owner_client.post(reverse("dashboard:settings"), {**PROFILE, field: value})

    # then
    assert response.status_code == 400
    assert message in error_beside(response, f"id_{field}")
    assert not ShopProfile.objects.exists()
    assert event_types("shop.") == []


def test_the_currency_cannot_change_once_prices_exist(owner_client, settings):
    # given a product priced in the shop's currency
    settings.SHOP_CURRENCY = "EUR"
    make_variant("MUG-1")

    # when
    response = owner_client.post(reverse("dashboard:settings"), {**PROFILE, "currency": "USD"})

    # then
    assert response.status_code == 400
    assert "orders or prices in EUR exist" in error_beside(response, "id_currency")
    assert shop_profile().currency == "EUR"
    assert not ShopProfile.objects.exists()


def test_a_viewer_sees_the_profile_without_a_save_button(viewer_client):
    # given
    shop_profile_update(actor=SYSTEM, name="Harbour Ceramics")

    # when
    page = html(viewer_client.get(reverse("dashboard:settings")))

    # then
    assert 'value="Harbour Ceramics"' in page
    assert "<fieldset disabled>" in page
    assert "Save shop profile" not in page
    assert "Only the shop owner can change settings" in page


def test_the_time_zone_changes_how_dates_read(owner_client, owner):
    # given a token made at midnight UTC on New Year
    issued = token_create(user=owner, name="laptop", scope="read", actor=SYSTEM)
    ApiToken.objects.filter(pk=issued.token.pk).update(
        created_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    )
    assert "1 Jan 2026, 00:00" in html(owner_client.get(reverse("dashboard:settings_tokens")))

    # when the shop moves to Shanghai
    owner_client.post(reverse("dashboard:settings"), {**PROFILE, "time_zone": "Asia/Shanghai"})

    # then the same moment reads as eight in the morning there
    page = html(owner_client.get(reverse("dashboard:settings_tokens")))
    assert "1 Jan 2026, 08:00" in page
    assert "1 Jan 2026, 00:00" not in page


def test_the_settings_page_shows_your_own_language(viewer_client, viewer):
    # given a viewer who chose Chinese for themself
    user_set_language(user=viewer, language="zh-hans", actor=SYSTEM)

    # when
    page = html(viewer_client.get(reverse("dashboard:settings")))

    # then the switch on the page shows it, and posts to the person's own preference
    assert re.search(
        r'<select id="my-language"[^>]*>.*?value="zh-hans" lang="zh-hans" selected', page, re.S
    )
    assert f'action="{reverse("dashboard:language")}"' in page


# --- tax and shipping -----------------------------------------------------------------------

RATES = "/settings/rates/"


def test_the_owner_adds_edits_and_deletes_a_shipping_rate(owner_client):
    # when added
    response = owner_client.post(
        reverse("dashboard:settings_shipping_rate_add"),
        {"shipping-country": "de", "shipping-amount": "4.90", "shipping-free_over": "49"},
        follow=True,
    )

    # then
    assert "Shipping rate for DE added" in success_message(response)
    rate = ShippingRate.objects.get()
    assert (rate.country, rate.amount, rate.free_over) == ("DE", Decimal("4.90"), Decimal("49"))
    assert "€4.90" in html(response)

    # when edited
    response = owner_client.post(
        reverse("dashboard:settings_shipping_rate", args=[rate.pk]),
        {"shipping-country": "DE", "shipping-amount": "5.90", "shipping-free_over": ""},
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.amount, rate.free_over) == (Decimal("5.90"), None)

    # when deleted
    owner_client.post(reverse("dashboard:settings_shipping_rate_delete", args=[rate.pk]))

    # then
    assert not ShippingRate.objects.exists()
    assert event_types("shipping_rate.") == [
        "shipping_rate.created",
        "shipping_rate.updated",
        "shipping_rate.deleted",
    ]


def test_the_owner_adds_an_express_method_beside_standard(owner_client):
    # given the Standard rate every shop has
    owner_client.post(
        reverse("dashboard:settings_shipping_rate_add"),
        {"shipping-country": "DE", "shipping-amount": "4.90"},
    )

    # when an Express rate for the same country is added, with its delivery days
    response = owner_client.post(
        reverse("dashboard:settings_shipping_rate_add"),
        {
            "shipping-method": "Express",
            "shipping-country": "DE",
            "shipping-amount": "9.90",
            "shipping-days_min": "1",
            "shipping-days_max": "2",
        },
        follow=True,
    )

    # then both are listed, each with its method and days
    assert [(r.method, r.amount, r.days_min, r.days_max) for r in ShippingRate.objects.all()] == [
        ("Express", Decimal("9.90"), 1, 2),
        ("Standard", Decimal("4.90"), None, None),
    ]
    page = html(response)
    assert "Express" in page and "1–2 days" in page  # noqa: RUF001

    # and days that end before they start are refused beside the field
    express = ShippingRate.objects.get(method="Express")
    response = owner_client.post(
        reverse("dashboard:settings_shipping_rate", args=[express.pk]),
        {
            "shipping-method": "Express",
            "shipping-country": "DE",
            "shipping-amount": "9.90",
            "shipping-days_min": "3",
            "shipping-days_max": "2",
        },
    )
    assert response.status_code == 400
    assert error_beside(response, "id_shipping-days_max")


def test_the_owner_adds_and_edits_a_tax_rate_in_percent(owner_client):
    # when
    owner_client.post(
        reverse("dashboard:settings_tax_rate_add"), {"tax-country": "DE", "tax-rate": "19"}
    )
    row = TaxRate.objects.get()
    page = html(owner_client.get(reverse("dashboard:settings_tax_rate", args=[row.pk])))
    owner_client.post(
        reverse("dashboard:settings_tax_rate", args=[row.pk]),
        {"tax-country": "DE", "tax-rate": "7.5"},
    )

    # then
    assert 'value="19"' in page
    row.refresh_from_db()
    assert row.rate == Decimal("0.0750")
    assert "7.50%" in html(owner_client.get(RATES))
    assert event_types("tax_rate.") == ["tax_rate.created", "tax_rate.updated"]


@pytest.mark.parametrize(
    ("url", "data", "field_id", "message"),
    [
        (
            "dashboard:settings_shipping_rate_add",
            {"shipping-country": "Germany", "shipping-amount": "4.90"},
            "id_shipping-country",
            "at most 2 characters",
        ),
        (
            "dashboard:settings_shipping_rate_add",
            {"shipping-country": "D1", "shipping-amount": "4.90"},
            "id_shipping-country",
            "two-letter country code",
        ),
        (
            "dashboard:settings_shipping_rate_add",
            {"shipping-country": "XX", "shipping-amount": "4.90"},
            "id_shipping-country",
            "two-letter country code",
        ),
        (
            "dashboard:settings_shipping_rate_add",
            {"shipping-country": "DE", "shipping-amount": "-1"},
            "id_shipping-amount",
            "greater than or equal to 0",
        ),
        (
            "dashboard:settings_tax_rate_add",
            {"tax-country": "DE", "tax-rate": "-5"},
            "id_tax-rate",
            "greater than or equal to 0",
        ),
        (
            "dashboard:settings_tax_rate_add",
            {"tax-country": "DE", "tax-rate": "150"},
            "id_tax-rate",
            "less than or equal to 100",
        ),
    ],
)
def test_a_bad_rate_is_shown_beside_its_field(owner_client, url, data, field_id, message):
    # when
    response = owner_client.post(reverse(url), data)

    # then
    assert response.status_code == 400
    assert message in error_beside(response, field_id)
    assert not ShippingRate.objects.exists()
    assert not TaxRate.objects.exists()
    assert event_types("shipping_rate.") + event_types("tax_rate.") == []


def test_a_second_rate_for_a_country_is_refused_beside_the_country(owner_client):
    # given
    ShippingRate.objects.create(country="*", amount=Decimal("9.90"))

    # when
    response = owner_client.post(
        reverse("dashboard:settings_shipping_rate_add"),
        {"shipping-country": "*", "shipping-amount": "1.00"},
    )

    # then
    assert response.status_code == 400
    assert "already a Standard rate for *" in error_beside(response, "id_shipping-country")
    assert ShippingRate.objects.get().amount == Decimal("9.90")


def test_a_new_tax_rate_applies_to_the_next_order_at_once(owner_client, settings):
    # given an order placed (intake now caches the rate tables)
    make_variant("MUG-1", price="10.00", stock=10)
    first, _ = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)

    # when the owner adds British VAT
    owner_client.post(
        reverse("dashboard:settings_tax_rate_add"), {"tax-country": "GB", "tax-rate": "20"}
    )

    # then the next order to Britain pays it
    second, _ = order_place(
        draft=draft(("MUG-1", 1), email="bob@example.com"), channel="api", actor=SYSTEM
    )
    assert first.tax == Decimal("0")
    assert second.tax == Decimal("2.00")


# --- review thresholds ----------------------------------------------------------------------

POLICY = {
    "first_order_limit": "300.00",
    "first_order_score": "40",
    "velocity_window_minutes": "30",
    "max_orders_per_email": "3",
    "max_orders_per_ip": "5",
    "velocity_score": "35",
    "country_mismatch_score": "25",
    "hold_at_score": "40",
    "reject_at_score": "90",
    "max_quantity_per_line": "20",
}


def test_the_owner_saves_the_review_thresholds(owner_client):
    # when
    response = owner_client.post(reverse("dashboard:settings_review"), POLICY, follow=True)

    # then
    assert "Review thresholds saved" in success_message(response)
    policy = ReviewPolicy.objects.get(pk=1)
    assert policy.first_order_limit == Decimal("300.00")
    assert policy.velocity_window_minutes == 30
    assert policy.max_quantity_per_line == 20
    (event,) = Event.objects.filter(type="review_policy.updated")
    assert event.payload["changes"]["first_order_limit"] == {"from": "500.00", "to": "300.00"}
    assert 'value="300.00"' in html(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reject_at_score", "30", "at least Hold at"),
        ("velocity_window_minutes", "0", "greater than or equal to 1"),
        ("first_order_score", "-5", "greater than or equal to 0"),
        ("max_orders_per_ip", "many", "Enter a whole number"),
    ],
)
def test_a_bad_threshold_is_shown_beside_its_field(owner_client, field, value, message):
    # given
    before = ReviewPolicy.objects.get(pk=1)

    # when
    response = owner_client.post(reverse("dashboard:settings_review"), {**POLICY, field: value})

    # then
    assert response.status_code == 400
    assert message in error_beside(response, f"id_{field}")
    after = ReviewPolicy.objects.get(pk=1)
    assert after.updated_at == before.updated_at
    assert after.first_order_limit == before.first_order_limit
    assert event_types("review_policy.") == []


# --- email ----------------------------------------------------------------------------------


@pytest.fixture
def smtp_settings(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "mail.example.net",
                "port": 587,
                "username": "shop@example.net",
                "password": SMTP_PASSWORD,
                "use_tls": True,
            },
        }
    }
    settings.DEFAULT_FROM_EMAIL = "shop@example.net"


def test_the_email_page_shows_the_mail_server_but_never_its_password(
    owner_client, viewer_client, smtp_settings
):
    for client in (owner_client, viewer_client):
        # when
        page = html(client.get(reverse("dashboard:settings_email")))

        # then
        assert "mail.example.net" in page
        assert "587" in page
        assert "shop@example.net" in page
        assert "STARTTLS" in page
        assert re.search(r"<dt>Password</dt><dd>set</dd>", page)
        assert SMTP_PASSWORD not in page
    assert "Send test email" not in html(viewer_client.get(reverse("dashboard:settings_email")))


def test_a_test_email_really_reaches_the_mail_server(
    owner,
    owner_client,
    smtp,  # noqa: F811
    run_tasks,
):
    # given the email page, with a fresh key in its form
    page = html(owner_client.get(reverse("dashboard:settings_email")))
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)
    assert 'value="olivia@example.com"' in page  # the owner's own address by default

    # when the owner sends it (twice: a double click)
    for _ in range(2):
        response = owner_client.post(
            reverse("dashboard:settings_email"), {"to": "ada@example.com", "key": key}
        )
    run_tasks()

    # then one email arrived, and the page says so
    assert response.status_code == 302
    (message,) = smtp.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "[My Shop] Test email"
    assert "olivia sent it from the Settings page" in message.get_body(("plain",)).get_content()
    send = EmailSend.objects.get()
    assert send.status == "sent"
    page = owner_client.get(reverse("dashboard:settings_email"))
    assert "it will arrive in a minute" in success_message(page)
    assert '<span class="badge sent">Sent</span>' in html(page)
    assert event_types("email.") == ["email.queued", "email.sent"]


def test_the_outcome_of_a_test_email_is_said(owner_client):
    # when
    response = owner_client.post(
        reverse("dashboard:settings_email"),
        {"to": "ada@example.com", "key": uuid.uuid4().hex},
        follow=True,
    )

    # then
    assert "Test email to ada@example.com queued — it will arrive in a minute" in (
        success_message(response)
    )
    assert EmailSend.objects.get().template == "test_email"


def test_a_bad_test_email_address_is_shown_beside_it(owner_client):
    response = owner_client.post(reverse("dashboard:settings_email"), {"to": "nobody"})

    assert response.status_code == 400
    assert "Enter a valid email address" in error_beside(response, "id_to")
    assert not EmailSend.objects.exists()


# --- users and roles ------------------------------------------------------------------------

NEW_USER = {
    "username": "sam",
    "email": "sam@example.com",
    "role": "staff",
    "password": PASSWORD,
    "password_again": PASSWORD,
}


def test_the_owner_adds_a_user_who_can_then_log_in(owner_client):
    # when
    response = owner_client.post(reverse("dashboard:settings_users"), NEW_USER, follow=True)

    # then
    assert "User sam created" in success_message(response)
    sam = User.objects.get(username="sam")
    assert sam.role == "staff"
    assert Client().login(username="sam", password=PASSWORD)
    assert event_types("user.created")[-1] == "user.created"
    assert PASSWORD not in html(response)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": "password", "password_again": "password"}, "password", "too common"),
        ({"password": "12345678901", "password_again": "12345678901"}, "password", "numeric"),
        ({"password_again": "something else"}, "password_again", "The two passwords differ"),
        ({"username": "olivia"}, "username", "already exists"),
        ({"username": "bad name!"}, "username", "Enter a valid username"),
    ],
)
def test_a_bad_new_user_is_shown_beside_the_field(owner_client, changes, field, message):
    # given
    users_before = User.objects.count()

    # when
    response = owner_client.post(reverse("dashboard:settings_users"), {**NEW_USER, **changes})

    # then
    assert response.status_code == 400
    assert message in error_beside(response, f"id_{field}")
    assert User.objects.count() == users_before
    assert 'value="password"' not in html(response)  # a typed password is never sent back


def test_the_owner_changes_a_role_and_deactivates_and_reactivates(owner_client, staff):
    # when
    owner_client.post(reverse("dashboard:settings_user_role", args=[staff.pk]), {"role": "viewer"})
    owner_client.post(reverse("dashboard:settings_user_active", args=[staff.pk]), {"active": "0"})

    # then
    staff.refresh_from_db()
    assert (staff.role, staff.is_active) == ("viewer", False)
    assert not Client().login(username="sam", password=PASSWORD)

    # when
    owner_client.post(reverse("dashboard:settings_user_active", args=[staff.pk]), {"active": "1"})

    # then
    staff.refresh_from_db()
    assert staff.is_active
    assert event_types("user.")[-3:] == [
        "user.role_changed",
        "user.deactivated",
        "user.reactivated",
    ]


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("dashboard:settings_user_role", {"role": "staff"}, "cannot demote or deactivate yourself"),
        ("dashboard:settings_user_active", {"active": "0"}, "cannot demote or deactivate yourself"),
        ("dashboard:settings_user_role", {"role": "emperor"}, "Select a valid choice"),
    ],
)
def test_the_last_owner_cannot_demote_or_deactivate_themself(
    owner_client, owner, url, data, message
):
    # when the only owner tries it on themself (forged: the page offers no such control)
    response = owner_client.post(reverse(url, args=[owner.pk]), data)

    # then
    assert response.status_code == 400
    assert message in html(response)
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == ("owner", True)
    assert event_types("user.role") + event_types("user.deact") == []


def test_an_owner_may_demote_another_owner_but_not_the_last(owner_client, owner):
    # given a second owner
    other = make_person("otto", "owner")

    # when
    response = owner_client.post(
        reverse("dashboard:settings_user_role", args=[other.pk]), {"role": "staff"}
    )

    # then
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.role == "staff"
    assert not other.is_superuser


# --- API tokens -----------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_works(owner_client, owner):
    # when
    response = owner_client.post(
        reverse("dashboard:settings_tokens"), {"name": "warehouse laptop", "scope": "write"}
    )

    # then the result page shows the secret, not to be cached
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret"[^>]*value="(sot_[^"]+)"', html(response)).group(1)
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user_id) == ("warehouse laptop", "write", owner.pk)
    assert event_types("token.") == ["token.created"]
    me = Client().get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["label"] == "olivia · warehouse laptop"

    # and never again
    for name in ("settings_tokens", "settings", "settings_users", "settings_email"):
        page = html(owner_client.get(reverse(f"dashboard:{name}")))
        assert secret not in page
        assert secret.split("_", 2)[2] not in page
    assert "warehouse laptop" in html(owner_client.get(reverse("dashboard:settings_tokens")))


def test_a_token_expiring_in_the_past_is_refused_beside_the_date(owner_client):
    response = owner_client.post(
        reverse("dashboard:settings_tokens"),
        {"name": "old", "scope": "read", "expires_at": (date.today() - timedelta(days=2))},
    )

    assert response.status_code == 400
    assert "expiry must be in the future" in error_beside(response, "id_expires_at")
    assert not ApiToken.objects.exists()


def test_a_token_with_an_expiry_lasts_until_the_end_of_that_day(owner_client):
    # given
    day = date.today() + timedelta(days=30)

    # when
    owner_client.post(
        reverse("dashboard:settings_tokens"), {"name": "trial", "scope": "read", "expires_at": day}
    )

    # then (the shop's time zone is UTC here)
    token = ApiToken.objects.get()
    assert token.expires_at == datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)


def test_the_owner_revokes_a_token(owner_client, owner):
    # given
    issued = token_create(user=owner, name="laptop", scope="read", actor=SYSTEM)

    # when
    response = owner_client.post(
        reverse("dashboard:settings_token_revoke", args=[issued.token.pk]), follow=True
    )

    # then
    assert "Token laptop revoked" in success_message(response)
    assert ApiToken.objects.get().revoked_at is not None
    assert "revoked" in html(response)
    assert (
        Client().get("/api/me", headers={"Authorization": f"Bearer {issued.secret}"}).status_code
        == 401
    )


def test_staff_see_only_their_own_tokens_and_no_secret(staff_client, staff, owner):
    # given
    token_create(user=owner, name="owner laptop", scope="write", actor=SYSTEM)
    mine = token_create(user=staff, name="sam phone", scope="read", actor=SYSTEM)

    # when
    page = html(staff_client.get(reverse("dashboard:settings_tokens")))

    # then
    assert "sam phone" in page
    assert "owner laptop" not in page
    assert mine.secret not in page
    assert "Revoke" not in page
    assert "Create token" not in page


# --- who may change what --------------------------------------------------------------------


def _write_requests(owner, staff) -> list[tuple[str, dict]]:
    shipping = ShippingRate.objects.create(country="DE", amount=Decimal("4.90"))
    tax = TaxRate.objects.create(country="DE", rate=Decimal("0.19"))
    token = token_create(user=owner, name="laptop", scope="read", actor=SYSTEM).token
    return [
        (reverse("dashboard:settings"), {**PROFILE, "name": "Hacked"}),
        (
            reverse("dashboard:settings_shipping_rate_add"),
            {"shipping-country": "FR", "shipping-amount": "1"},
        ),
        (
            reverse("dashboard:settings_shipping_rate", args=[shipping.pk]),
            {"shipping-country": "DE", "shipping-amount": "0"},
        ),
        (reverse("dashboard:settings_shipping_rate_delete", args=[shipping.pk]), {}),
        (reverse("dashboard:settings_tax_rate_add"), {"tax-country": "FR", "tax-rate": "1"}),
        (
            reverse("dashboard:settings_tax_rate", args=[tax.pk]),
            {"tax-country": "DE", "tax-rate": "0"},
        ),
        (reverse("dashboard:settings_tax_rate_delete", args=[tax.pk]), {}),
        (reverse("dashboard:settings_review"), {**POLICY, "hold_at_score": "1000"}),
        (reverse("dashboard:settings_email"), {"to": "x@example.com"}),
        (reverse("dashboard:settings_users"), {**NEW_USER, "username": "mallory"}),
        (reverse("dashboard:settings_user_role", args=[staff.pk]), {"role": "owner"}),
        (reverse("dashboard:settings_user_role", args=[owner.pk]), {"role": "viewer"}),
        (reverse("dashboard:settings_user_active", args=[owner.pk]), {"active": "0"}),
        (reverse("dashboard:settings_tokens"), {"name": "mine", "scope": "write"}),
        (reverse("dashboard:settings_token_revoke", args=[token.pk]), {}),
    ]


def _state() -> tuple:
    return (
        list(ShopProfile.objects.values()),
        list(ShippingRate.objects.values()),
        list(TaxRate.objects.values()),
        list(ReviewPolicy.objects.values()),
        list(User.objects.values("username", "role", "is_active")),
        list(ApiToken.objects.values("name", "revoked_at")),
        EmailSend.objects.count(),
        Event.objects.count(),
    )


@pytest.mark.parametrize("who", ["staff", "viewer"])
def test_staff_and_viewers_may_look_but_every_change_is_refused(request, owner, staff, viewer, who):
    # given every settings form, and someone below the owner
    writes = _write_requests(owner, staff)
    client = Client()
    client.force_login(staff if who == "staff" else viewer)
    before = _state()

    for url, data in writes:
        # when they post it
        response = client.post(url, data)

        # then it is refused
        assert response.status_code == 403, url
    # and nothing changed
    assert _state() == before
    for name in ("settings", "settings_rates", "settings_review", "settings_email"):
        page = html(client.get(reverse(f"dashboard:{name}")))
        main = page.split('<main id="content"', 1)[1].split("</main>")[0]
        # (the only button: their own language switch's, for browsers without JavaScript)
        assert "<button" not in re.sub(r"<noscript>.*?</noscript>", "", main, flags=re.S)


@pytest.mark.parametrize(
    "name",
    [
        "settings",
        "settings_rates",
        "settings_review",
        "settings_email",
        "settings_users",
        "settings_tokens",
    ],
)
def test_no_settings_page_shows_a_secret(owner_client, owner, smtp_settings, name):
    # given a token made earlier
    issued = token_create(user=owner, name="laptop", scope="write", actor=SYSTEM)

    # when
    page = html(owner_client.get(reverse(f"dashboard:{name}")))

    # then
    assert SMTP_PASSWORD not in page
    assert issued.secret.split("_", 2)[2] not in page


# --- speed ----------------------------------------------------------------------------------


def _rows(n: int, owner) -> None:
    start = ShippingRate.objects.count()
    countries = ["AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB"]
    countries += ["GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT"]
    countries += ["RO", "SE", "SI", "SK", "US", "CA"]
    for i in range(start, n):
        ShippingRate.objects.create(country=countries[i], amount=Decimal("4.90"))
        TaxRate.objects.create(country=countries[i], rate=Decimal("0.2"))
        make_person(f"person{i}", "staff")
        token_create(user=owner, name=f"token {i}", scope="read", actor=SYSTEM)


# page: queries with any number of rows (the session, the user, then the page's own reads)
PAGE_QUERIES = {
    "settings": 2,
    "settings_rates": 4,
    "settings_review": 3,
    "settings_email": 3,
    "settings_users": 3,
    "settings_tokens": 3,
}


@pytest.mark.parametrize("name", PAGE_QUERIES)
def test_settings_pages_cost_the_same_queries_for_3_or_30_rows(
    owner_client, owner, django_assert_num_queries, name
):
    # given three rows of everything; the profile is in the cache after one look
    _rows(3, owner)
    url = reverse(f"dashboard:{name}")
    owner_client.get(url)
    with django_assert_num_queries(PAGE_QUERIES[name]):
        few = owner_client.get(url)

    # when there are thirty
    _rows(30, owner)

    # then
    with django_assert_num_queries(PAGE_QUERIES[name]):
        many = owner_client.get(url)
    assert few.status_code == many.status_code == 200


def test_star_means_everywhere_else_for_tax_as_for_shipping(owner_client):
    # when (intake's pricing falls back to the "*" row for tax too)
    owner_client.post(
        reverse("dashboard:settings_tax_rate_add"), {"tax-country": "*", "tax-rate": "0"}
    )
    owner_client.post(
        reverse("dashboard:settings_shipping_rate_add"),
        {"shipping-country": "*", "shipping-amount": "24.90"},
    )

    # then
    assert TaxRate.objects.get().country == "*"
    assert ShippingRate.objects.get().country == "*"
    assert "everywhere else" in html(owner_client.get(RATES))
