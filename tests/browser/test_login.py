from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create
from tests.browser.conftest import log_in

PASSWORD = "correct horse battery staple 42"


def test_the_owner_logs_in_and_lands_on_today(page):
    # given an owner
    user_create(
        username="olivia",
        email="olivia@example.com",
        password=PASSWORD,
        role="owner",
        actor=Actor.system("test"),
    )

    # when she logs in through the form
    log_in(page, "olivia", PASSWORD)

    # then she is on Today, named in the header, with every section in the navigation
    assert page.get_by_role("heading", level=1).inner_text() == "Today"
    assert "olivia" in page.locator("header").inner_text()
    for section in ["Orders", "Decisions", "Products", "Purchase orders", "Flows", "Settings"]:
        assert page.get_by_role("link", name=section, exact=True).is_visible()


def test_a_wrong_password_is_refused_beside_the_form(page):
    # given nobody by that name
    # when someone tries to log in
    page.goto("/login/")
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password").fill("guess")
    page.get_by_role("button", name="Log in").click()

    # then the login page says so and nobody is logged in
    assert page.get_by_role("alert").is_visible()
    assert "/login/" in page.url
