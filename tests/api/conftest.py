"""Callers of the API with each role, speaking JSON through the test client."""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create

SYSTEM = Actor.system("test")
ROLES = ("viewer", "staff", "owner")


class Caller:
    """The test client with one token's headers, as an API client would call."""

    def __init__(self, client: Client, secret: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def call(self, method: str, path: str, body=None, **extra):
        if method == "GET":
            return self.client.get(path, extra.pop("params", None), headers=self.headers)
        data = json.dumps(body if body is not None else {}) if not isinstance(body, bytes) else body
        return self.client.generic(
            method,
            path,
            data=data,
            content_type=extra.pop("content_type", "application/json"),
            headers=self.headers,
        )

    def get(self, path: str, **params):
        return self.call("GET", path, params=params)

    def post(self, path: str, body=None, **extra):
        return self.call("POST", path, body, **extra)

    def patch(self, path: str, body=None, **extra):
        return self.call("PATCH", path, body, **extra)

    def put(self, path: str, body=None, **extra):
        return self.call("PUT", path, body, **extra)


@pytest.fixture
def caller(db) -> Callable[[str], Caller]:
    """``caller("staff")``: a fresh user of that role with a write token."""
    made: dict[str, Caller] = {}

    def make(role: str) -> Caller:
        if role not in made:
            user = user_create(
                username=f"{role}-caller",
                email=f"{role}@example.com",
                password="correct horse battery staple 42",
                role=role,
                actor=SYSTEM,
            )
            issued = token_create(user=user, name="t", scope="write", actor=SYSTEM)
            made[role] = Caller(Client(), issued.secret)
        return made[role]

    return make


@pytest.fixture
def owner_api(caller) -> Caller:
    return caller("owner")


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    data = response.json()
    assert set(data) == {"code", "message", "field", "extra"}, data
    if code is not None:
        assert data["code"] == code, data
    if field is not None:
        assert data["field"] == field, data
    return data
