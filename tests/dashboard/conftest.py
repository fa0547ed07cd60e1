"""People for the console tests: an owner, a staff member and a viewer, each with a logged-in
test client. Made through the accounts service like the product makes them."""

import pytest
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.services import user_create

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")


def make_person(username: str, role: str):
    return user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        actor=SYSTEM,
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(db):
    return make_person("olivia", "owner")


@pytest.fixture
def staff(db):
    return make_person("sam", "staff")


@pytest.fixture
def viewer(db):
    return make_person("vic", "viewer")


@pytest.fixture
def owner_client(owner) -> Client:
    return client_for(owner)


@pytest.fixture
def staff_client(staff) -> Client:
    return client_for(staff)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return client_for(viewer)
