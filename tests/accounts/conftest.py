"""People and tokens for the accounts tests, made through the services as the product makes them."""

from collections.abc import Callable
from datetime import datetime

import pytest
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.models import User
from soloops.accounts.services import IssuedToken, token_create, user_create

PASSWORD = "correct horse battery staple 42"
SYSTEM = Actor.system("test")


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(username: str, role: str = "staff", password: str = PASSWORD) -> User:
        return user_create(
            username=username,
            email=f"{username}@example.com",
            password=password,
            role=role,
            actor=SYSTEM,
        )

    return make


@pytest.fixture
def owner(make_user) -> User:
    return make_user("olivia", role="owner")


@pytest.fixture
def staff(make_user) -> User:
    return make_user("sam", role="staff")


@pytest.fixture
def viewer(make_user) -> User:
    return make_user("vic", role="viewer")


@pytest.fixture
def issue(db) -> Callable[..., IssuedToken]:
    def make(
        user: User, scope: str = "read", name: str = "laptop", expires_at: datetime | None = None
    ) -> IssuedToken:
        return token_create(
            user=user, name=name, scope=scope, expires_at=expires_at, actor=Actor.for_user(user)
        )

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def session_client(client: Client) -> Callable[[User], Client]:
    """The test client logged in as a user (a browser session, no token)."""

    def login(user: User) -> Client:
        client.force_login(user)
        return client

    return login
