"""Two-factor log-in with a TOTP app: set up by scanning and confirming a first code; then the
password alone does not log in, a current code does, once (no replay); a recovery code works
once; wrong codes count against the log-in lockout; turning it off takes a code. Codes are
made by pyotp from the secret the page shows, as a phone app would."""

import re
import time

import pyotp
import pytest
from django.test import Client

from soloops.accounts.models import TwoFactor
from soloops.events.selectors import event_counts_by_type
from tests.accounts.conftest import PASSWORD


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(owner)
    return client


def set_up(client: Client) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-factor on through the settings page; the app and the recovery codes."""
    page = client.post("/settings/two-factor/", {"action": "begin"}).content.decode()
    assert "<svg" in page  # the QR code
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", page)[1].replace(" ", "")
    app = pyotp.TOTP(secret)
    done = client.post("/settings/two-factor/", {"action": "confirm", "code": app.now()})
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.content.decode())
    return app, codes


def log_in(username: str = "olivia", password: str = PASSWORD) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR="203.0.113.7")
    return client, client.post("/login/", {"username": username, "password": password})


def test_set_up_then_the_password_alone_does_not_log_in(owner, owner_client):
    # given two-factor set up with a first code
    _app, codes = set_up(owner_client)
    assert len(codes) == 10
    row = TwoFactor.objects.get(user=owner)
    assert row.confirmed_at is not None
    assert _app.secret not in row.secret  # stored encrypted
    assert event_counts_by_type(types=["user.two_factor_enabled"]) == {"user.two_factor_enabled": 1}

    # when she logs in with her password
    client, response = log_in()

    # then she is asked for the code, and not logged in yet
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # the console still sends her to log in


def test_a_current_code_logs_in_once(owner, owner_client):
    # given (set up with the code of this 30 seconds: the next one is the app's next code)
    app, _codes = set_up(owner_client)
    code = app.at(time.time() + app.interval)

    # when she logs in with the password and that code
    client, _ = log_in()
    response = client.post("/login/code/", {"code": code})

    # then she is in
    assert response.status_code == 302 and "_auth_user_id" in client.session

    # when the same code is used again (seen over her shoulder)
    other, _ = log_in()
    again = other.post("/login/code/", {"code": code})

    # then it is refused
    assert "That code is not right" in again.content.decode()
    assert "_auth_user_id" not in other.session


def test_a_recovery_code_works_once(owner, owner_client):
    # given
    _app, codes = set_up(owner_client)

    # when she logs in with a recovery code
    client, _ = log_in()
    response = client.post("/login/code/", {"code": codes[0]})

    # then she is in, the code is spent, and it is an event
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert len(TwoFactor.objects.get(user=owner).recovery_hashes) == 9
    assert event_counts_by_type(types=["user.recovery_code_used"])["user.recovery_code_used"] == 1
    other, _ = log_in()
    assert (
        "That code is not right" in other.post("/login/code/", {"code": codes[0]}).content.decode()
    )


def test_wrong_codes_lock_the_log_in_out(owner, owner_client, settings):
    # given
    settings.LOGIN_FAILURES_LIMIT = 3
    app, _codes = set_up(owner_client)
    client, _ = log_in()

    # when three wrong codes are tried
    for _ in range(3):
        response = client.post("/login/code/", {"code": "000000"})

    # then the pair is locked out, even for a right code
    assert "Too many failed log-ins" in response.content.decode()
    right = client.post("/login/code/", {"code": app.now()})
    assert "Too many failed log-ins" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_turning_it_off_takes_a_code(owner, owner_client):
    # given
    _app, codes = set_up(owner_client)

    # when she tries without a right code
    wrong = owner_client.post("/settings/two-factor/", {"action": "disable", "code": "123456"})

    # then it stays on
    assert "That code is not right" in wrong.content.decode()
    assert TwoFactor.objects.filter(user=owner).exists()

    # when with a recovery code
    owner_client.post("/settings/two-factor/", {"action": "disable", "code": codes[1]})

    # then it is off, and the password alone logs in again
    assert not TwoFactor.objects.filter(user=owner).exists()
    client, response = log_in()
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_code_page_without_a_password_first_goes_back_to_log_in(db):
    response = Client().get("/login/code/")
    assert response.status_code == 302 and response["Location"] == "/login/"
