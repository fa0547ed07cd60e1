"""Roles and deactivation: the shop always keeps an active owner, and nobody demotes or
deactivates themself."""

import pytest
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.models import User
from soloops.accounts.services import token_create, user_create, user_set_active, user_set_role
from soloops.automation.models import Event
from soloops.errors import Conflict, InvalidInput

SYSTEM = Actor.system("test")
PASSWORD = "correct horse battery staple 42"


def person(username: str, role: str) -> User:
    return user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        actor=SYSTEM,
    )


def test_the_last_owner_cannot_be_demoted_or_deactivated(db):
    # given one owner
    olivia = person("olivia", "owner")

    # when the system itself tries
    with pytest.raises(Conflict) as demoted:
        user_set_role(user=olivia, role="staff", actor=SYSTEM)
    with pytest.raises(Conflict) as deactivated:
        user_set_active(user=olivia, active=False, actor=SYSTEM)

    # then
    assert (demoted.value.code, demoted.value.field) == ("last_owner", "role")
    assert (deactivated.value.code, deactivated.value.field) == ("last_owner", "active")
    olivia.refresh_from_db()
    assert (olivia.role, olivia.is_active) == ("owner", True)
    assert not Event.objects.filter(type__in=["user.role_changed", "user.deactivated"]).exists()


def test_of_two_owners_one_may_go_but_not_both(db):
    # given
    olivia, otto = person("olivia", "owner"), person("otto", "owner")

    # when olivia demotes otto, then otto (now staff) cannot be the one to keep olivia out
    user_set_role(user=otto, role="staff", actor=Actor.for_user(olivia))
    with pytest.raises(Conflict):
        user_set_role(user=olivia, role="viewer", actor=SYSTEM)

    # then
    otto.refresh_from_db()
    assert (otto.role, otto.is_staff, otto.is_superuser) == ("staff", False, False)
    event = Event.objects.get(type="user.role_changed")
    assert event.payload == {"username": "otto", "from": "owner", "to": "staff"}


def test_nobody_demotes_or_deactivates_themself(db):
    # given two owners, so neither is the last
    olivia = person("olivia", "owner")
    person("otto", "owner")
    me = Actor.for_user(olivia)

    # when / then
    with pytest.raises(InvalidInput) as demoted:
        user_set_role(user=olivia, role="staff", actor=me)
    with pytest.raises(InvalidInput) as deactivated:
        user_set_active(user=olivia, active=False, actor=me)
    assert demoted.value.code == deactivated.value.code == "cannot_change_self"


def test_a_deactivated_person_cannot_log_in_nor_use_their_tokens(db):
    # given a staff member with a token
    person("olivia", "owner")
    sam = person("sam", "staff")
    secret = token_create(user=sam, name="phone", scope="read", actor=SYSTEM).secret

    # when
    user_set_active(user=sam, active=False, actor=SYSTEM)

    # then
    assert not Client().login(username="sam", password=PASSWORD)
    assert Client().get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    # and back
    user_set_active(user=sam, active=True, actor=SYSTEM)
    assert Client().login(username="sam", password=PASSWORD)
    assert list(
        Event.objects.filter(type__startswith="user.")
        .exclude(type="user.created")
        .values_list("type", flat=True)
        .order_by("id")
    ) == ["user.deactivated", "user.reactivated"]


def test_an_unknown_role_names_the_field(db):
    person("olivia", "owner")
    sam = person("sam", "staff")

    with pytest.raises(InvalidInput) as raised:
        user_set_role(user=sam, role="emperor", actor=SYSTEM)

    assert raised.value.field == "role"
