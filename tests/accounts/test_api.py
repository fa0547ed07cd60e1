"""The accounts API through HTTP: who may call what, token lifecycle, errors, query counts."""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.accounts.models import ApiToken
from soloops.automation.models import Event
from soloops.events.services import event_emit
from tests.accounts.conftest import bearer

ERROR_KEYS = {"code", "message", "field", "extra"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code is not None:
        assert body["code"] == code
    return body


# --- authentication -------------------------------------------------------------------------


def test_no_credentials_get_401(client, db):
    # when
    response = client.get("/api/me")

    # then
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "value",
    [
        "sot_000000000000_notarealsecret",  # well formed, unknown prefix
        "garbage",  # no structure at all
        "sot_",  # the mark alone
        "xyz_abc_def",  # wrong mark
        "",  # empty bearer
    ],
)
def test_unknown_or_malformed_token_gets_401(client, db, value):
    # when
    response = client.get("/api/me", headers=bearer(value))

    # then
    assert_error(response, 401, "invalid_token")


def test_right_prefix_with_wrong_secret_gets_401(client, staff, issue):
    # given a real token whose secret part is altered
    issued = issue(staff)
    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")

    # when
    response = client.get("/api/me", headers=bearer(forged))

    # then
    assert_error(response, 401, "invalid_token")


def test_revoked_token_gets_401(client, staff, issue):
    # given
    issued = issue(staff, scope="write")
    assert (
        client.delete(f"/api/tokens/{issued.token.pk}", headers=bearer(issued.secret)).status_code
        == 200
    )

    # when
    response = client.get("/api/me", headers=bearer(issued.secret))

    # then
    assert_error(response, 401, "token_revoked")


def test_expired_token_gets_401(client, staff, issue):
    # given a token whose expiry has passed (issuing one already expired is refused)
    issued = issue(staff, expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    # when
    response = client.get("/api/me", headers=bearer(issued.secret))

    # then
    assert_error(response, 401, "token_expired")


def test_token_of_a_deactivated_user_gets_401(client, staff, issue):
    # given
    issued = issue(staff)
    staff.is_active = False
    staff.save(update_fields=["is_active"])

    # when
    response = client.get("/api/me", headers=bearer(issued.secret))

    # then
    assert_error(response, 401, "invalid_token")


def test_bad_token_wins_over_a_logged_in_session(session_client, staff):
    # given a browser session that also sends a bad bearer token
    client = session_client(staff)

    # when
    response = client.get("/api/me", headers=bearer("sot_nope_nope"))

    # then the explicit credential is judged, not silently replaced by the session
    assert_error(response, 401, "invalid_token")


def test_valid_token_identifies_its_user_and_sets_last_used(client, staff, issue):
    # given
    issued = issue(staff, name="shop script")
    assert issued.token.last_used_at is None
    before = timezone.now()

    # when
    response = client.get("/api/me", headers=bearer(issued.secret))

    # then
    assert response.status_code == 200
    assert response.json() == {
        "kind": "token",
        "label": "sam · shop script",
        "role": "staff",
        "scopes": ["read"],
    }
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None
    assert issued.token.last_used_at >= before


def test_last_used_is_not_rewritten_on_every_request(client, staff, issue):
    # given a token used a moment ago
    issued = issue(staff)
    client.get("/api/me", headers=bearer(issued.secret))
    issued.token.refresh_from_db()
    first_use = issued.token.last_used_at

    # when it is used again at once
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/me", headers=bearer(issued.secret))

    # then no write happened (reads must not all become writes)
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == first_use
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_last_used_is_refreshed_once_it_is_older_than_the_resolution(client, staff, issue):
    # given a token last used long ago
    issued = issue(staff)
    long_ago = timezone.now() - timedelta(hours=2)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=long_ago)

    # when
    client.get("/api/me", headers=bearer(issued.secret))

    # then
    issued.token.refresh_from_db()
    assert issued.token.last_used_at > long_ago + timedelta(hours=1)


# --- scopes and roles -----------------------------------------------------------------------


def test_read_token_can_read(client, staff, issue):
    # given
    issued = issue(staff, scope="read")

    # when
    me = client.get("/api/me", headers=bearer(issued.secret))
    events = client.get("/api/events", headers=bearer(issued.secret))
    tokens = client.get("/api/tokens", headers=bearer(issued.secret))

    # then
    assert me.status_code == 200
    assert me.json()["scopes"] == ["read"]
    assert events.status_code == 200
    assert "items" in events.json()
    assert tokens.status_code == 200


def test_read_token_cannot_create_or_revoke_tokens(client, staff, issue):
    # given
    issued = issue(staff, scope="read")
    count = ApiToken.objects.count()

    # when
    created = client.post(
        "/api/tokens",
        {"name": "more"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )
    revoked = client.delete(f"/api/tokens/{issued.token.pk}", headers=bearer(issued.secret))

    # then
    assert_error(created, 403, "read_only")
    assert_error(revoked, 403, "read_only")
    assert ApiToken.objects.count() == count
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_viewer_cannot_write_even_with_a_write_token(client, viewer, issue):
    # given a write-scoped token issued to a viewer
    issued = issue(viewer, scope="write")
    count = ApiToken.objects.count()

    # when
    created = client.post(
        "/api/tokens", {"name": "x"}, content_type="application/json", headers=bearer(issued.secret)
    )
    revoked = client.delete(f"/api/tokens/{issued.token.pk}", headers=bearer(issued.secret))

    # then
    assert_error(created, 403, "read_only")
    assert_error(revoked, 403, "read_only")
    assert ApiToken.objects.count() == count


def test_viewer_cannot_write_with_a_session(session_client, viewer):
    # given a viewer logged in through the browser
    client = session_client(viewer)

    # when
    response = client.post("/api/tokens", {"name": "x"}, content_type="application/json")

    # then
    assert_error(response, 403, "read_only")
    assert ApiToken.objects.count() == 0


def test_viewer_can_read_with_a_session(session_client, viewer):
    # given
    client = session_client(viewer)

    # when
    response = client.get("/api/me")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "kind": "user",
        "label": "vic",
        "role": "viewer",
        "scopes": ["read", "write"],
    }


def test_staff_creates_their_own_token(client, staff, issue):
    # given
    issued = issue(staff, scope="write")

    # when
    response = client.post(
        "/api/tokens",
        {"name": "scanner", "scope": "read"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"] == "sam"
    assert body["name"] == "scanner"
    assert body["scope"] == "read"
    assert ApiToken.objects.get(pk=body["id"]).user == staff


def test_staff_naming_themself_is_their_own_token(client, staff, issue):
    # given
    issued = issue(staff, scope="write")

    # when
    response = client.post(
        "/api/tokens",
        {"name": "scanner", "username": "sam"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )

    # then
    assert response.status_code == 201
    assert response.json()["user"] == "sam"


def test_staff_cannot_create_a_token_for_another_user(client, staff, owner, issue):
    # given
    issued = issue(staff, scope="write")
    count = ApiToken.objects.count()

    # when
    response = client.post(
        "/api/tokens",
        {"name": "sneaky", "username": "olivia"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )

    # then
    assert_error(response, 403, "owner_only")
    assert ApiToken.objects.count() == count


def test_owner_creates_a_token_for_another_user(client, owner, staff, issue):
    # given
    issued = issue(owner, scope="write")

    # when
    response = client.post(
        "/api/tokens",
        {"name": "for sam", "username": "sam", "scope": "write"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )

    # then
    assert response.status_code == 201, response.content
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.user == staff
    assert token.scope == "write"


def test_owner_with_a_read_token_cannot_create_tokens(client, owner, issue):
    # given
    issued = issue(owner, scope="read")

    # when
    response = client.post(
        "/api/tokens",
        {"name": "x", "username": "olivia"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )

    # then
    assert_error(response, 403, "read_only")


def test_owner_naming_an_unknown_user_gets_404(client, owner, issue):
    # given
    issued = issue(owner, scope="write")
    count = ApiToken.objects.count()

    # when
    response = client.post(
        "/api/tokens",
        {"name": "x", "username": "nobody"},
        content_type="application/json",
        headers=bearer(issued.secret),
    )

    # then
    assert_error(response, 404)
    assert ApiToken.objects.count() == count


# --- visibility -----------------------------------------------------------------------------


def test_staff_sees_only_their_own_tokens(client, staff, make_user, owner, issue):
    # given
    other = make_user("tess", role="staff")
    mine = issue(staff, name="mine")
    issue(other, name="theirs")
    issue(owner, name="owners")

    # when
    response = client.get("/api/tokens", headers=bearer(mine.secret))

    # then
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["items"]] == ["mine"]


def test_owner_sees_every_token(client, staff, owner, issue):
    # given
    issue(staff, name="staff's")
    mine = issue(owner, name="owner's")

    # when
    response = client.get("/api/tokens", headers=bearer(mine.secret))

    # then
    assert sorted(t["name"] for t in response.json()["items"]) == ["owner's", "staff's"]


def test_another_users_token_looks_missing(client, staff, make_user, issue):
    # given
    other = make_user("tess", role="staff")
    theirs = issue(other, name="theirs")
    mine = issue(staff, scope="write")

    # when
    revoke_theirs = client.delete(f"/api/tokens/{theirs.token.pk}", headers=bearer(mine.secret))
    revoke_missing = client.delete("/api/tokens/987654", headers=bearer(mine.secret))

    # then forbidden and missing cannot be told apart
    body = assert_error(revoke_theirs, 404, "not_found")
    assert body == assert_error(revoke_missing, 404, "not_found")
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None


def test_owner_revokes_another_users_token(client, owner, staff, issue):
    # given
    theirs = issue(staff)
    mine = issue(owner, scope="write")

    # when
    response = client.delete(f"/api/tokens/{theirs.token.pk}", headers=bearer(mine.secret))

    # then
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert client.get("/api/me", headers=bearer(theirs.secret)).status_code == 401


def test_revoking_twice_keeps_the_first_revocation(client, staff, issue):
    # given
    target = issue(staff, name="old")
    mine = issue(staff, scope="write")
    first = client.delete(f"/api/tokens/{target.token.pk}", headers=bearer(mine.secret)).json()

    # when
    second = client.delete(f"/api/tokens/{target.token.pk}", headers=bearer(mine.secret))

    # then one revocation, one event
    assert second.status_code == 200
    assert second.json()["revoked_at"] == first["revoked_at"]
    assert Event.objects.filter(type="token.revoked", subject_id=str(target.token.pk)).count() == 1


# --- the secret is shown once and stored only as a hash ------------------------------------


def test_created_token_shows_its_secret_once(client, staff, issue):
    # given
    auth = issue(staff, scope="write")

    # when
    created = client.post(
        "/api/tokens", {"name": "ci"}, content_type="application/json", headers=bearer(auth.secret)
    )
    listed = client.get("/api/tokens", headers=bearer(auth.secret))

    # then the creation response carries the secret, and it works
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("sot_")
    assert client.get("/api/me", headers=bearer(secret)).status_code == 200
    # the list never carries a secret, neither as a field nor anywhere in the body
    assert listed.status_code == 200
    for row in listed.json():
        assert "secret" not in row
        assert "secret_hash" not in row
    assert secret not in listed.content.decode()
    assert auth.secret not in listed.content.decode()


def test_database_keeps_only_a_hash_of_the_secret(client, staff, issue):
    # given
    auth = issue(staff, scope="write")

    # when
    response = client.post(
        "/api/tokens", {"name": "ci"}, content_type="application/json", headers=bearer(auth.secret)
    )

    # then no column of the row holds the secret or its private part
    secret = response.json()["secret"]
    private_part = secret.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {ApiToken._meta.db_table} WHERE id = %s",  # noqa: S608
            [response.json()["id"]],
        )
        row = cursor.fetchone()
    assert row is not None
    for value in row:
        assert secret not in str(value)
        assert private_part not in str(value)


# --- events ---------------------------------------------------------------------------------


def test_token_events_record_the_actor(client, staff, issue):
    # given
    auth = issue(staff, scope="write", name="admin script")

    # when
    created = client.post(
        "/api/tokens", {"name": "ci"}, content_type="application/json", headers=bearer(auth.secret)
    ).json()
    client.delete(f"/api/tokens/{created['id']}", headers=bearer(auth.secret))

    # then both events name the token that acted, and carry no secret
    made = Event.objects.get(type="token.created", subject_id=str(created["id"]))
    gone = Event.objects.get(type="token.revoked", subject_id=str(created["id"]))
    for event in (made, gone):
        assert event.subject_type == "accounts.apitoken"
        assert event.actor_kind == "token"
        assert event.actor_id == str(auth.token.pk)
        assert event.actor_label == "sam · admin script"
        assert created["secret"] not in json.dumps(event.payload)
    assert made.payload == {"name": "ci", "user": "sam", "scope": "read"}
    assert gone.payload == {"name": "ci", "user": "sam"}


def test_session_actions_record_the_user(session_client, staff):
    # given
    client = session_client(staff)

    # when
    response = client.post("/api/tokens", {"name": "ci"}, content_type="application/json")

    # then
    assert response.status_code == 201
    event = Event.objects.get(type="token.created", subject_id=str(response.json()["id"]))
    assert (event.actor_kind, event.actor_id, event.actor_label) == ("user", str(staff.pk), "sam")


def test_events_are_listed_through_the_api(client, staff, issue):
    # given
    auth = issue(staff)

    # when
    response = client.get("/api/events?type=user.created", headers=bearer(auth.secret))

    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(e["type"], e["payload"]["username"]) for e in items] == [("user.created", "sam")]
    assert auth.secret not in response.content.decode()


# --- input errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"name": ""}, "name", "invalid_input"),
        ({}, "name", "invalid_input"),
        ({"name": "x" * 101}, "name", "invalid_input"),
        ({"name": 5}, "name", "invalid_input"),
        ({"name": "   "}, "name", "invalid_name"),
        ({"name": "ci", "scope": "admin"}, "scope", "invalid_scope"),
        ({"name": "ci", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at", "invalid_expiry"),
        ({"name": "ci", "expires_at": "next tuesday"}, "expires_at", "invalid_input"),
    ],
)
def test_invalid_token_input_gets_422_naming_the_field_and_changes_nothing(
    client, staff, issue, payload, field, code
):
    # given
    auth = issue(staff, scope="write")
    tokens_before = ApiToken.objects.count()
    events_before = Event.objects.count()

    # when
    response = client.post(
        "/api/tokens", payload, content_type="application/json", headers=bearer(auth.secret)
    )

    # then
    body = assert_error(response, 422, code)
    assert body["field"] == field
    assert body["message"]
    assert ApiToken.objects.count() == tokens_before
    assert Event.objects.count() == events_before


def test_a_body_that_is_not_json_gets_a_clear_error(client, staff, issue):
    # given
    auth = issue(staff, scope="write")
    count = ApiToken.objects.count()

    # when
    response = client.post(
        "/api/tokens", "{not json", content_type="application/json", headers=bearer(auth.secret)
    )

    # then
    assert response.status_code in {400, 422}
    assert set(response.json()) == ERROR_KEYS
    assert ApiToken.objects.count() == count


def test_non_numeric_token_id_is_not_found_or_invalid(client, staff, issue):
    # given
    auth = issue(staff, scope="write")

    # when
    response = client.delete("/api/tokens/abc", headers=bearer(auth.secret))

    # then
    assert response.status_code in {404, 422}
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("path", ["/api/nope", "/api/tokens/1/nope", "/api/"])
def test_unknown_api_routes_get_json_404(client, staff, issue, path):
    # given
    auth = issue(staff)

    # when
    response = client.get(path, headers=bearer(auth.secret))

    # then
    assert_error(response, 404, "not_found")


def test_unknown_api_route_is_json_even_without_credentials(client, db):
    # when
    response = client.get("/api/does/not/exist")

    # then
    assert response.status_code in {401, 404}
    assert set(response.json()) == ERROR_KEYS


def test_event_filters_are_validated(client, staff, issue):
    # given
    auth = issue(staff)

    # when
    response = client.get("/api/events?limit=0", headers=bearer(auth.secret))

    # then
    body = assert_error(response, 422, "invalid_input")
    assert body["field"] == "limit"


# --- CSRF for browser sessions --------------------------------------------------------------


def test_session_write_without_csrf_token_is_refused(staff):
    # given a browser session with CSRF enforced, as a real browser gets
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    # when
    response = client.post("/api/tokens", {"name": "ci"}, content_type="application/json")

    # then
    assert_error(response, 403, "csrf_failed")
    assert ApiToken.objects.count() == 0


def test_session_write_with_csrf_token_works(staff):
    # given a browser session that loaded a page, and so holds the CSRF cookie
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get("/").status_code == 200
    csrf = client.cookies["csrftoken"].value

    # when
    response = client.post(
        "/api/tokens",
        {"name": "ci"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    # then
    assert response.status_code == 201, response.content
    assert ApiToken.objects.filter(user=staff).count() == 1


def test_token_writes_need_no_csrf_token(staff, issue):
    # given a script with a bearer token (browsers never send it by themselves)
    client = Client(enforce_csrf_checks=True)
    auth = issue(staff, scope="write")

    # when
    response = client.post(
        "/api/tokens", {"name": "ci"}, content_type="application/json", headers=bearer(auth.secret)
    )

    # then
    assert response.status_code == 201


# --- query counts ---------------------------------------------------------------------------


def _count_queries(client, url, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/tokens", "/api/events"])
def test_list_endpoints_run_a_fixed_number_of_queries(
    client, owner, make_user, issue, django_assert_num_queries, url
):
    # given an owner token already used once (so last_used_at is fresh and not rewritten)
    auth = issue(owner)
    headers = bearer(auth.secret)
    client.get("/api/me", headers=headers)
    users = [make_user(f"user{i}") for i in range(3)]

    def add_rows(n: int) -> None:
        for i in range(n):
            issue(users[i % len(users)], name=f"t{i}")  # one token and one event each
        with transaction.atomic():
            for i in range(n):
                event_emit(
                    type="test.happened",
                    subject=("test.thing", i),
                    payload={"i": i},
                    actor=Actor.system(),
                )

    add_rows(3)
    few = _count_queries(client, url, headers)
    assert few <= 3

    # when there are ten times as many rows
    add_rows(30)

    # then the same queries serve them
    with django_assert_num_queries(few):
        response = client.get(url, headers=headers)
    rows = response.json()["items"]
    assert len(rows) >= 33
