"""Property: whatever JSON a caller POSTs to /api/orders, the answer is a 2xx, or a 4xx whose
``field`` names what is wrong and which wrote nothing — never a 500.

Two sources of bodies: any JSON value at all (``st.recursive``), and bodies built from the real
schema with some values replaced by wrong types or wrong values, keys dropped and price fields
added. Every example checks the row counts before and after its own request (the examples share
the test's database transaction).
"""

import copy
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import make_variant
from tests.orders.conftest import counts

SKUS = ["MUG-1", "POSTER-1", "EBOOK-1"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


# Wrong values a caller might send; NUL is listed because PostgreSQL cannot store it and plain
# st.text() rarely draws it.
wrong_values = json_values | st.sampled_from(
    ["", "   ", "\x00", "a\x00b", "ZZZ", "x" * 300, -1, 0, 51, 10**6, 1.5, True, None, [], {}]
)
valid_addresses = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["Ada Lovelace", "李雷"]),
        "line1": st.just("1 Analytical St"),
        "city": st.sampled_from(["London", "Berlin"]),
        "postal_code": st.just("N1 1AA"),
        "country": st.sampled_from(["GB", "DE", "gb", "US"]),
    },
    optional={"line2": st.text(max_size=20), "region": st.text(max_size=20)},
)
valid_bodies = st.fixed_dictionaries(
    {
        "email": st.sampled_from(["ada@example.com", "bob@example.org", "li.lei@example.cn"]),
        "lines": st.lists(
            st.fixed_dictionaries(
                {"sku": st.sampled_from(SKUS), "quantity": st.integers(min_value=1, max_value=5)}
            ),
            min_size=1,
            max_size=4,
        ),
        "shipping_address": valid_addresses,
    },
    optional={
        "name": st.text(max_size=30),
        "note": st.text(max_size=50),
        "language": st.sampled_from(["en", "zh-hans"]),
        "billing_address": valid_addresses,
    },
)


def paths(node, prefix=()):
    """Every place in a JSON document: dict keys and list positions, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from paths(child, (*prefix, key))


def containers(node, prefix=()):
    if isinstance(node, dict):
        yield prefix
    if isinstance(node, dict | list):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            yield from containers(child, (*prefix, key))


def at(document, path):
    for key in path:
        document = document[key]
    return document


@st.composite
def schema_bodies(draw) -> dict:
    """A valid body from the real schema, then up to three mutations: a value replaced by a
    wrong type or value, a key or line removed, or a price field the server must ignore."""
    # deep copies: mutating a drawn value would change sampled_from's shared [] and {}
    payload = copy.deepcopy(draw(valid_bodies))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        kind = draw(st.sampled_from(["replace", "replace", "remove", "price"]))
        if kind == "price":
            where = at(payload, draw(st.sampled_from(list(containers(payload)))))
            key = draw(st.sampled_from(["price", "unit_price", "total", "subtotal", "tax"]))
            where[key] = copy.deepcopy(draw(json_values))
            continue
        places = list(paths(payload))
        if not places:
            break
        *parent, key = draw(st.sampled_from(places))
        if kind == "replace":
            at(payload, parent)[key] = copy.deepcopy(draw(wrong_values))
        else:
            del at(payload, parent)[key]
    return payload


def check(api, payload) -> None:
    # given
    before = counts()

    # when
    response = api.post("/api/orders", payload)

    # then
    after = counts()
    event(f"HTTP {response.status_code}")
    assert response.status_code < 500, (payload, response.content)
    if response.status_code < 300:
        assert response.status_code == 201
        assert after["orders"] == before["orders"] + 1
        return
    assert 400 <= response.status_code < 500
    error = response.json()
    assert isinstance(error["field"], str) and error["field"], (payload, error)
    assert after == before, (payload, error)


@pytest.fixture
def stocked(db):
    """The three SKUs with stock enough that accepted examples never run out."""
    make_variant("MUG-1", price="12.50", stock=100_000)
    make_variant("POSTER-1", price="30.00", stock=100_000)
    make_variant("EBOOK-1", price="8.00", stock=100_000, requires_shipping=False)


SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(payload=json_values)
def test_any_json_value_gets_a_clear_answer_and_never_a_partial_order(api, stocked, payload):
    check(api, payload)


@SETTINGS
@given(payload=schema_bodies())
def test_schema_shaped_bodies_with_wrong_values_get_a_clear_answer(api, stocked, payload):
    check(api, payload)


def test_a_body_that_is_not_json_is_refused_and_writes_nothing(api, shop, error):
    # given
    before = counts()

    # when
    response = api.client.post(
        "/api/orders", data="{not json", content_type="application/json", headers=api.headers
    )

    # then a 400 in the API's error shape, saying where the JSON breaks
    data = error(response, 400, "malformed_json", "body")
    assert data["extra"] == {"line": 1, "column": 2}
    assert counts() == before


def test_nul_characters_are_refused_by_name(api, shop, error):
    # given text PostgreSQL cannot store
    payload = {
        "email": "nul@example.com",
        "lines": [{"sku": "EBOOK-1", "quantity": 1}],
        "note": "before\x00after",
    }
    before = counts()

    # when
    response = api.post("/api/orders", payload)

    # then
    error(response, 422, "invalid_input", "note")
    assert counts() == before
    assert json.loads(response.content)["field"] == "note"
