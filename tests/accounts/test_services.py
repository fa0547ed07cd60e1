"""Account services: users and tokens, their events, and secrets that never leak into logs."""

import hashlib
import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soloops import cli
from soloops.accounts.actors import Actor
from soloops.accounts.models import ApiToken, User
from soloops.accounts.services import (
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from soloops.automation.models import Event
from soloops.errors import Conflict, InvalidInput, NotAuthenticated
from tests.accounts.conftest import PASSWORD, SYSTEM, bearer

# --- users ----------------------------------------------------------------------------------


def test_user_create_stores_a_hashed_password_and_records_the_actor(owner):
    # given
    actor = Actor.for_user(owner)

    # when
    user = user_create(
        username="  sam ", email="sam@example.com", password=PASSWORD, role="staff", actor=actor
    )

    # then
    user.refresh_from_db()
    assert user.username == "sam"
    assert user.role == "staff"
    assert not user.is_staff
    assert not user.is_superuser
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)
    event = Event.objects.get(type="user.created", subject_id=str(user.pk))
    assert event.subject_type == "accounts.user"
    assert event.payload == {"username": "sam", "role": "staff"}
    assert (event.actor_kind, event.actor_id, event.actor_label) == (
        "user",
        str(owner.pk),
        "olivia",
    )


def test_the_owner_may_open_the_django_admin(db):
    # when
    owner = user_create(username="olivia", email="", password=PASSWORD, role="owner", actor=SYSTEM)

    # then
    assert owner.is_staff
    assert owner.is_superuser


@pytest.mark.parametrize(
    ("kwargs", "error", "code", "field"),
    [
        ({"role": "admin"}, InvalidInput, "invalid_role", "role"),
        ({"username": "   "}, InvalidInput, "invalid_username", "username"),
        ({"password": "123"}, InvalidInput, "weak_password", "password"),
        ({"password": "password"}, InvalidInput, "weak_password", "password"),
        ({"username": "olivia"}, Conflict, "username_taken", "username"),
    ],
)
def test_user_create_refuses_bad_input_and_changes_nothing(owner, kwargs, error, code, field):
    # given
    users, events = User.objects.count(), Event.objects.count()
    args = {"username": "newbie", "email": "", "password": PASSWORD, "role": "staff"} | kwargs

    # when
    with pytest.raises(error) as raised:
        user_create(**args, actor=SYSTEM)

    # then
    assert raised.value.code == code
    assert raised.value.field == field
    assert (User.objects.count(), Event.objects.count()) == (users, events)


# --- tokens ---------------------------------------------------------------------------------


def test_token_create_returns_the_secret_and_stores_its_hash(staff):
    # when
    issued = token_create(user=staff, name="ci", scope="write", actor=Actor.for_user(staff))

    # then
    mark, prefix, private = issued.secret.split("_", 2)
    assert mark == "sot"
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.prefix == prefix
    assert token.secret_hash == hashlib.sha256(private.encode()).hexdigest()
    assert token.scope == "write"
    assert token.scopes == {"read", "write"}
    event = Event.objects.get(type="token.created", subject_id=str(token.pk))
    assert event.payload == {"name": "ci", "user": "sam", "scope": "write"}
    assert (event.actor_kind, event.actor_id) == ("user", str(staff.pk))


def test_two_tokens_never_share_a_secret_or_prefix(staff, issue):
    # when
    first, second = issue(staff), issue(staff)

    # then
    assert first.secret != second.secret
    assert first.token.prefix != second.token.prefix


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"scope": "admin"}, "invalid_scope", "scope"),
        ({"name": "  "}, "invalid_name", "name"),
        ({"expires_at": "past"}, "invalid_expiry", "expires_at"),
    ],
)
def test_token_create_refuses_bad_input_and_changes_nothing(staff, kwargs, code, field):
    # given
    if kwargs.get("expires_at") == "past":
        kwargs = {"expires_at": timezone.now() - timedelta(minutes=1)}
    args = {"name": "ci", "scope": "read"} | kwargs
    tokens, events = ApiToken.objects.count(), Event.objects.count()

    # when
    with pytest.raises(InvalidInput) as raised:
        token_create(user=staff, actor=SYSTEM, **args)

    # then
    assert (raised.value.code, raised.value.field) == (code, field)
    assert (ApiToken.objects.count(), Event.objects.count()) == (tokens, events)


def test_token_revoke_records_one_event_with_the_actor(owner, staff, issue):
    # given
    issued = issue(staff)
    actor = Actor.for_user(owner)

    # when revoked twice
    token_revoke(token=issued.token, actor=actor)
    token_revoke(token=issued.token, actor=actor)

    # then
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    events = Event.objects.filter(type="token.revoked", subject_id=str(issued.token.pk))
    assert [(e.actor_kind, e.actor_id, e.payload) for e in events] == [
        ("user", str(owner.pk), {"name": "laptop", "user": "sam"})
    ]


def test_token_authenticate_gives_the_actor_and_marks_use(staff, issue):
    # given
    issued = issue(staff, scope="write", name="till")

    # when
    actor = token_authenticate(bearer=issued.secret)

    # then
    assert actor.kind == "token"
    assert actor.id == str(issued.token.pk)
    assert actor.user_id == staff.pk
    assert actor.role == "staff"
    assert actor.can_write
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


@pytest.mark.parametrize(
    ("state", "code"),
    [("revoked", "token_revoked"), ("expired", "token_expired"), ("inactive", "invalid_token")],
)
def test_token_authenticate_refuses_dead_tokens(staff, issue, state, code):
    # given
    issued = issue(staff)
    if state == "revoked":
        token_revoke(token=issued.token, actor=SYSTEM)
    elif state == "expired":
        ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now())
    else:
        User.objects.filter(pk=staff.pk).update(is_active=False)

    # when
    with pytest.raises(NotAuthenticated) as raised:
        token_authenticate(bearer=issued.secret)

    # then
    assert raised.value.code == code
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is None


@pytest.mark.parametrize("value", ["", "sot", "sot_", "sot_abc", "sot__x", "bearer", "a_b_c"])
def test_token_authenticate_refuses_malformed_values(db, value):
    with pytest.raises(NotAuthenticated) as raised:
        token_authenticate(bearer=value)
    assert raised.value.code == "invalid_token"


# --- secrets stay out of logs and responses -------------------------------------------------


def _assert_nowhere_in_logs(caplog, *secrets: str) -> None:
    assert caplog.records, "nothing was captured; the check would prove nothing"
    for record in caplog.records:
        everything = f"{record.getMessage()} {record.args!r} {record.exc_text} {record.__dict__!r}"
        for secret in secrets:
            assert secret not in everything, f"secret leaked in log record {record.name}"
    for secret in secrets:
        assert secret not in caplog.text


@pytest.fixture
def debug_logs(db, caplog):
    """Every logger at DEBUG, SQL included (with its parameters), captured by caplog."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with CaptureQueriesContext(connection):  # forces the debug cursor, which logs each query
        yield caplog


def test_passwords_and_token_secrets_never_reach_logs_or_responses(client, debug_logs, owner):
    # given a user created through the service with a known password
    password = "Zebra-Quartz-7731-unique"
    user_create(username="sam", email="", password=password, role="staff", actor=SYSTEM)
    bodies: list[bytes] = []

    # when the user logs in (once wrongly), creates a token, uses it, and fails to use a forgery
    wrong = client.post("/login/", {"username": "sam", "password": password + "x"})
    bodies.append(wrong.content)
    right = client.post("/login/", {"username": "sam", "password": password}, follow=True)
    bodies.append(right.content)
    created = client.post("/api/tokens", {"name": "ci", "scope": "write"}, "application/json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    private = secret.split("_", 2)[2]
    client.logout()
    for url in (
        "/api/me",
        "/api/tokens",
        "/api/events",
        f"/api/timeline/accounts.apitoken/{created.json()['id']}",
    ):
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200
        bodies.append(response.content)
    forged = secret[:-3] + ("xyz" if not secret.endswith("xyz") else "abc")
    refused = client.get("/api/me", headers=bearer(forged))
    assert refused.status_code == 401
    bodies.append(refused.content)
    revoked = client.delete(f"/api/tokens/{created.json()['id']}", headers=bearer(secret))
    bodies.append(revoked.content)
    after_revoke = client.get("/api/me", headers=bearer(secret))
    bodies.append(after_revoke.content)

    # then neither the password nor any part of the secret was logged or answered again
    _assert_nowhere_in_logs(debug_logs, password, private, forged.split("_", 2)[2])
    for body in bodies:
        for value in (password, private):
            assert value.encode() not in body
    assert any("SELECT" in r.getMessage() for r in debug_logs.records), "SQL was not captured"


def test_cli_prints_a_token_once_and_logs_nothing_secret(debug_logs, capsys, monkeypatch, staff):
    # given Django is already set up by pytest; setting it up again would reconfigure logging
    # and detach caplog, and the test would then pass without looking at anything
    monkeypatch.setattr(cli, "_setup_django", lambda: None)

    # when
    assert cli.main(["token", "create", "--user", "sam", "--name", "cli", "--scope", "write"]) == 0
    created = capsys.readouterr().out
    assert cli.main(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert cli.main(["user", "create", "tess", "--role", "viewer"]) == 0
    user_out = capsys.readouterr().out
    logging.getLogger("soloops.test").debug("canary")

    # then the secret is printed once, by design, and works
    secret = created.strip().splitlines()[-1]
    assert secret.startswith("sot_")
    assert token_authenticate(bearer=secret).user_id == staff.pk
    # the generated password is printed once, and works
    password = user_out.strip().splitlines()[-1].removeprefix("password (shown once): ")
    assert User.objects.get(username="tess").check_password(password)
    # the list shows the token without its secret
    assert "cli" in listed
    assert secret.split("_", 2)[2] not in listed
    # and the logs carry neither (the canary proves they were being captured)
    assert any(r.getMessage() == "canary" for r in debug_logs.records)
    _assert_nowhere_in_logs(debug_logs, secret.split("_", 2)[2], password)
    event = Event.objects.get(type="token.created", payload__name="cli")
    assert (event.actor_kind, event.actor_label) == ("system", "soloops token create")
