"""soloops.idempotency: the request hash and the replay lookup the services share."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from soloops.errors import InvalidInput
from soloops.idempotency import KEY_REUSED, hash_request, replay
from soloops.orders.models import Order
from soloops.orders.services import order_place
from tests.factories import SYSTEM, draft, make_variant


def test_hash_request_is_the_sha256_of_sorted_json_so_stored_hashes_stay_valid():
    # given a body with keys out of order and values JSON has no type for
    body = {"b": 1, "a": Decimal("1.50"), "day": date(2026, 1, 2)}

    # when / then: the format rows were stored with (sorted keys, str of other values)
    expected = '{"a": "1.50", "b": 1, "day": "2026-01-02"}'
    assert hash_request(body) == hashlib.sha256(expected.encode()).hexdigest()
    assert hash_request(body) == hash_request(dict(reversed(body.items())))
    assert hash_request(body) != hash_request({**body, "b": 2})


@pytest.fixture
def keyed_order(db) -> Order:
    make_variant("MUG-1")
    order, created = order_place(
        draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM, idempotency_key="key-1"
    )
    assert created
    return order


def test_replay_answers_the_row_the_key_created(keyed_order):
    # when the same key comes with the same request
    found = replay(Order.objects.all(), key="key-1", request_hash=keyed_order.request_hash)

    # then
    assert found == keyed_order


def test_replay_answers_none_for_a_new_key_or_a_row_outside_the_queryset(keyed_order):
    assert replay(Order.objects.all(), key="key-2", request_hash="x") is None
    others = Order.objects.exclude(pk=keyed_order.pk)
    assert replay(others, key="key-1", request_hash=keyed_order.request_hash) is None


def test_replay_refuses_the_key_with_a_different_request_naming_the_header(keyed_order):
    # when the same key comes with another request
    with pytest.raises(InvalidInput) as caught:
        replay(Order.objects.all(), key="key-1", request_hash="another")

    # then
    assert caught.value.code == KEY_REUSED == "idempotency_key_reused"
    assert caught.value.field == "Idempotency-Key"
    assert caught.value.status == 422
