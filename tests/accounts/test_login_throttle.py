"""Log-in throttling: five failed log-ins of one username from one address lock that pair out
for fifteen minutes with a clear message, even for the right password; other addresses and
other usernames are not affected; a success forgets the failures; the lockout is an event."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from soloops.accounts.models import LoginFailure
from soloops.events.selectors import event_counts_by_type
from tests.accounts.conftest import PASSWORD

LOCKED = "Too many failed log-ins for this username from your address."


def log_in(username: str, password: str, ip: str = "203.0.113.7", path: str = "/login/"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(path, {"username": username, "password": password})
    return client, response


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_LIMIT = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15


def test_five_failures_lock_the_pair_out_even_for_the_right_password(owner):
    # given four wrong passwords: each refused as wrong, not locked
    for _ in range(4):
        _client, response = log_in("olivia", "wrong")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()

    # when the fifth is wrong too
    _client, response = log_in("olivia", "wrong")

    # then the page says the pair is locked, for how long
    assert LOCKED in response.content.decode()
    assert "Try again in 15 minutes." in response.content.decode()
    assert event_counts_by_type(types=["user.login_locked"]) == {"user.login_locked": 1}

    # when the right password comes from the same address
    client, response = log_in("olivia", PASSWORD)

    # then it is refused the same way, and nobody is logged in
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_other_addresses_and_usernames_are_not_locked(owner, make_user):
    # given olivia locked out from one address
    make_user("sam")
    for _ in range(5):
        log_in("olivia", "wrong")

    # when she logs in from another address, and sam from the first one
    olivia, from_elsewhere = log_in("olivia", PASSWORD, ip="198.51.100.9")
    sam, same_address = log_in("sam", PASSWORD)

    # then both are in
    assert from_elsewhere.status_code == 302 and "_auth_user_id" in olivia.session
    assert same_address.status_code == 302 and "_auth_user_id" in sam.session


def test_an_ipv6_slash_64_counts_as_one_address(owner):
    for i in range(5):
        log_in("olivia", "wrong", ip=f"2001:db8:1:2::{i + 1}")

    _client, response = log_in("olivia", PASSWORD, ip="2001:db8:1:2::99")

    assert LOCKED in response.content.decode()


def test_the_lock_lifts_after_the_lockout_time(owner):
    # given a lockout whose failures are now sixteen minutes old
    for _ in range(5):
        log_in("olivia", "wrong")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    # when
    client, response = log_in("olivia", PASSWORD)

    # then she is in, and her failures are forgotten
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert not LoginFailure.objects.exists()


def test_a_success_forgets_the_failures(owner):
    for _ in range(4):
        log_in("olivia", "wrong")
    log_in("olivia", PASSWORD)

    # four more failures do not lock (the count started again)
    for _ in range(4):
        _client, response = log_in("olivia", "wrong")
    assert LOCKED not in response.content.decode()


def test_the_admin_login_is_throttled_too(owner):
    for _ in range(5):
        log_in("olivia", "wrong", path="/admin/login/")

    _client, response = log_in("olivia", PASSWORD, path="/admin/login/")

    assert LOCKED in response.content.decode()


def test_a_session_lasts_the_configured_hours_from_the_last_request(owner, settings):
    # given sessions of two hours
    settings.SESSION_COOKIE_AGE = 2 * 3600

    # when she logs in, and comes back
    client, _ = log_in("olivia", PASSWORD)
    client.get("/")

    # then the cookie lives two hours from that last request
    assert client.cookies["sessionid"]["max-age"] == 2 * 3600
    assert client.session.get_expiry_age() == 2 * 3600


def test_a_session_is_renewed_at_most_every_so_often_not_written_on_every_page(owner, settings):
    # given sessions of ten hours (renewed at most once an hour), just renewed by a request
    settings.SESSION_COOKIE_AGE = 10 * 3600
    client, _ = log_in("olivia", PASSWORD)
    client.get("/")

    # when she opens another page at once, the session is not written again
    assert "sessionid" not in client.get("/").cookies

    # when her last renewal is over an hour old, the next page renews it
    session = client.session
    session["_renewed_at"] = int(time.time()) - 3601
    session.save()
    response = client.get("/")
    assert response.cookies["sessionid"]["max-age"] == 10 * 3600
    assert client.session["_renewed_at"] >= int(time.time()) - 60
