"""One paging convention across the API's lists, and ``Location`` on what a POST creates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.automation.models import Event
from soloops.pagination import PAGE_SIZE_MAX
from tests.api.conftest import SYSTEM
from tests.factories import make_variant


@pytest.fixture
def five_products(db):
    for i in range(5):
        make_variant(f"SKU-{i}", stock=0)


def test_limit_is_honoured_and_has_more_says_whether_a_next_page_exists(owner_api, five_products):
    # when
    first = owner_api.get("/api/products", limit=2).json()
    last = owner_api.get("/api/products", limit=2, page=3).json()

    # then
    assert (len(first["items"]), first["limit"], first["has_more"]) == (2, 2, True)
    assert (first["count"], first["page"], first["pages"]) == (5, 1, 3)
    assert (len(last["items"]), last["has_more"]) == (1, False)


def test_a_page_past_the_end_is_empty_not_an_error(owner_api, five_products):
    response = owner_api.get("/api/products", limit=2, page=9)

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["items"], data["has_more"], data["page"], data["pages"]) == ([], False, 9, 3)


def test_a_limit_above_the_maximum_is_served_as_the_maximum(owner_api, five_products):
    data = owner_api.get("/api/stock", limit=PAGE_SIZE_MAX * 10).json()

    assert data["limit"] == PAGE_SIZE_MAX


def test_page_size_still_works_as_the_older_name_of_limit(owner_api, five_products):
    data = owner_api.get("/api/products", page_size=4).json()

    assert (len(data["items"]), data["limit"], data["has_more"]) == (4, 4, True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/products",
        "/api/stock",
        "/api/orders",
        "/api/runs",
        "/api/emails",
        "/api/shipments",
        "/api/purchase-orders",
        "/api/stock/SKU-0/ledger",
    ],
)
def test_every_paged_list_answers_the_same_shape(owner_api, five_products, path):
    data = owner_api.get(path, limit=1).json()

    assert {"items", "count", "page", "pages", "limit", "has_more"} <= set(data), data
    assert data["limit"] == 1


def test_a_page_costs_the_same_queries_whatever_its_limit(
    owner_api, five_products, django_assert_num_queries
):
    # given the number of queries one product page costs
    owner_api.get("/api/products", limit=1)  # warm the token's last-used write
    with CaptureQueriesContext(connection) as small:
        owner_api.get("/api/products", limit=1)

    # then five products cost no more
    with django_assert_num_queries(len(small.captured_queries)):
        owner_api.get("/api/products", limit=5)


def test_the_event_log_pages_by_cursor_with_limit_and_has_more(owner_api, db):
    # given three events
    from django.db import transaction

    from soloops.events.services import event_emit

    with transaction.atomic():
        for i in range(3):
            event_emit(type="test.ping", subject=("t", i), payload={}, actor=SYSTEM)

    # when
    first = owner_api.get("/api/events", type="test.ping", limit=2).json()
    rest = owner_api.get(
        "/api/events", type="test.ping", limit=2, before_id=first["next_before_id"]
    ).json()

    # then
    assert (len(first["items"]), first["has_more"], first["limit"]) == (2, True, 2)
    assert (len(rest["items"]), rest["has_more"], rest["next_before_id"]) == (1, False, None)
    assert Event.objects.filter(type="test.ping").count() == 3


def test_created_resources_answer_their_location(owner_api, db):
    # when
    product = owner_api.post("/api/products", {"name": "Mug"})
    variant = owner_api.post(
        f"/api/products/{product.json()['id']}/variants", {"sku": "MUG-1", "price": "9.50"}
    )
    supplier = owner_api.post("/api/suppliers", {"name": "Acme", "email": "a@example.com"})

    # then each Location answers the resource
    for response in (product, variant, supplier):
        assert response.status_code == 201, response.content
        again = owner_api.get(response["Location"])
        assert again.status_code == 200, response["Location"]
        assert again.json()["id"] == response.json()["id"]
    assert variant["Location"] == "/api/variants/MUG-1"
