"""Logging in and out of the console through the real pages."""

import re

from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.accounts.conftest import PASSWORD


def test_login_page_has_labelled_fields(client, db):
    # when
    response = client.get("/login/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("username", "password"):
        assert re.search(rf'<label for="id_{name}">[^<]+</label>', html)
        assert re.search(rf'<input [^>]*name="{name}"[^>]*id="id_{name}"', html) or re.search(
            rf'<input [^>]*id="id_{name}"[^>]*name="{name}"', html
        )
    assert 'type="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_wrong_password_shows_an_error_and_opens_no_session(client, staff):
    # when
    response = client.post("/login/", {"username": "sam", "password": "not the password"})

    # then
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert SESSION_KEY not in client.session


def test_unknown_user_looks_like_a_wrong_password(client, staff):
    # when
    unknown = client.post("/login/", {"username": "nobody", "password": PASSWORD})
    wrong = client.post("/login/", {"username": "sam", "password": "nope"})

    # then nobody learns which usernames exist
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert SESSION_KEY not in client.session


def test_right_password_opens_the_console_on_today(client, staff, owner):
    # when
    response = client.post("/login/", {"username": "sam", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(staff.pk)
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["section"] == "today"
    assert "<h1>Today</h1>" in home.content.decode()


def test_login_follows_a_safe_next_and_refuses_an_outside_one(client, staff):
    # when
    inside = client.post("/login/?next=/api/me", {"username": "sam", "password": PASSWORD})
    client.logout()
    outside = client.post(
        "/login/?next=https://evil.example/", {"username": "sam", "password": PASSWORD}
    )

    # then
    assert inside["Location"] == "/api/me"
    assert outside["Location"] == "/"


def test_dashboard_sends_anonymous_visitors_to_login(client, db):
    # when
    response = client.get("/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_logout_ends_the_session(client, staff):
    # given
    client.force_login(staff)

    # when
    response = client.post("/logout/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302
    assert client.get("/api/me").status_code == 401


def test_logout_needs_a_post_with_csrf(staff):
    # given a browser session with CSRF enforced
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    # when
    by_get = client.get("/logout/")
    forged = client.post("/logout/")

    # then neither a link nor a cross-site form logs the user out
    assert by_get.status_code == 405
    assert forged.status_code == 403
    assert SESSION_KEY in client.session


def test_logged_in_page_offers_logout_and_shows_who(client, staff):
    # given
    client.force_login(staff)

    # when
    html = client.get("/").content.decode()

    # then
    assert 'action="/logout/"' in html
    assert "sam" in html
