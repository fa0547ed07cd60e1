"""Settings in a real browser: a viewer sees no action buttons and a POST forged from their
session is refused; the owner creates an API token and sees its secret once."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from soloops.accounts.actors import Actor
from soloops.accounts.models import ApiToken, User
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.inventory.models import Location
from soloops.orders.models import Order, ReviewPolicy, ShippingRate, TaxRate
from soloops.orders.services import order_place
from soloops.shop.models import ShopProfile
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import draft, make_variant

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")
SETTINGS_PAGES = [
    "/settings/",
    "/settings/rates/",
    "/settings/review/",
    "/settings/email/",
    "/settings/users/",
    "/settings/tokens/",
]

pytestmark = pytest.mark.processes


def person(username: str, role: str) -> User:
    return user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        actor=SYSTEM,
    )


@pytest.fixture
def shop(transactional_db):
    """An owner, a viewer, and an order waiting for the owner's decision."""
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"first_order_limit": 0, "hold_at_score": 1, "reject_at_score": 10_000}
    )
    cache.clear()  # policy, rates and profile are cached, in a cache the web process shares
    make_variant("MUG-1", price="12.50", stock=10)
    order, _ = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)
    assert order.status == "on_hold"
    yield {"owner": person("olivia", "owner"), "viewer": person("vic", "viewer"), "order": order}
    cache.clear()


def action_buttons(page) -> list[str]:
    """Buttons in the page's main part that could change something: every one except those
    of GET forms (filters) and those that only show or hide part of the page, with their
    labels."""
    buttons = page.locator("main button").all()
    return [
        b.inner_text().strip()
        for b in buttons
        if (b.evaluate("b => (b.form ? b.form.method : 'post')") or "post").lower() != "get"
        and not b.evaluate(SHOWS_OR_HIDES)
    ]


# A plain button that sends nothing (no form, no htmx request): it only shows or hides part of
# the page, like the orders list's "Filters" on a phone.
SHOWS_OR_HIDES = """b => b.type === 'button' && !b.form
    && !['hx-post', 'hx-put', 'hx-patch', 'hx-delete', 'hx-get'].some(a => b.hasAttribute(a))"""


def forge(page, url: str, form: dict):
    """A POST from this browser's session with its CSRF token, as a script in it could send."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(url, form=form, headers={"X-CSRFToken": csrf}, max_redirects=0)


def test_a_viewer_cannot_see_action_buttons_and_a_forged_post_is_refused(shop, new_page):
    # given a viewer logged in
    page = new_page()
    log_in(page, "vic", PASSWORD)
    order = shop["order"]

    # when they open every settings page, the orders list and the order
    for url in [*SETTINGS_PAGES, "/orders/", f"/orders/{order.number}/"]:
        page.goto(url)

        # then there is nothing to press but the filters
        assert page.locator("main").is_visible()
        assert action_buttons(page) == [], url
    page.goto("/settings/")
    screenshot(page, "settings-viewer-desktop")

    # when they post anyway, with their own valid CSRF token
    events_before = Event.objects.count()
    refused = [
        forge(page, "/settings/", {"name": "Hacked", "currency": "EUR", "time_zone": "UTC"}),
        forge(page, f"/settings/users/{shop['viewer'].pk}/role", {"role": "owner"}),
        forge(page, f"/settings/users/{shop['owner'].pk}/active", {"active": "0"}),
        forge(page, "/settings/tokens/", {"name": "mine", "scope": "write"}),
        forge(page, f"/orders/{order.number}/accept/", {"accept-note": "ok"}),
    ]

    # then each is refused for the role (not for CSRF), and nothing changed
    for response in refused:
        assert response.status == 403, response.url
        assert "Your role does not allow this" in response.text()
    assert not ShopProfile.objects.exists()
    assert User.objects.get(username="vic").role == "viewer"
    assert User.objects.get(username="olivia").is_active
    assert not ApiToken.objects.exists()
    assert Order.objects.get(pk=order.pk).status == "on_hold"
    assert Event.objects.count() == events_before


def test_the_owner_creates_a_token_and_sees_it_once(shop, new_page):
    # given the owner on the API tokens page
    page = new_page()
    log_in(page, "olivia", PASSWORD)
    page.goto("/settings/tokens/")

    # when she creates a token
    page.get_by_label("Name").fill("warehouse laptop")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Create token").click()

    # then its secret is shown, ready to copy, and works
    secret_box = page.get_by_label("Your new API token")
    secret = secret_box.input_value()
    assert secret.startswith("sot_")
    assert page.get_by_text("it is shown only this once").is_visible()
    screenshot(page, "settings-token-created")
    me = page.request.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["label"] == "olivia · warehouse laptop"

    # and never again
    page.get_by_role("link", name="Done: back to API tokens").click()
    assert "warehouse laptop" in page.locator("main").inner_text()
    secret_part = secret.split("_", 2)[2]  # sot_<prefix>_<secret>; the secret may hold "_"
    assert secret_part not in page.content()

    # and the same forged-style POST that a viewer cannot make works for her (the control)
    response = forge(
        page,
        "/settings/",
        {
            "name": "Harbour Ceramics",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "language": "en",
        },
    )
    assert response.status == 302
    assert ShopProfile.objects.get().name == "Harbour Ceramics"


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_settings_pages_fit_the_screen(shop, new_page, viewport, label):
    # given a few rates and a token, and the owner on a desktop or on a phone
    ShippingRate.objects.create(country="DE", amount=Decimal("4.90"), free_over=Decimal("49"))
    ShippingRate.objects.create(country="*", amount=Decimal("24.90"))
    TaxRate.objects.create(country="DE", rate=Decimal("0.19"))
    token_create(user=shop["owner"], name="warehouse laptop", scope="write", actor=SYSTEM)
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)

    for url in SETTINGS_PAGES:
        # when
        page.goto(url)

        # then the page does not scroll sideways (tables scroll inside their own box)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (url, width)
        name = url.strip("/").replace("/", "-")
        screenshot(page, f"{name}-{label}")
