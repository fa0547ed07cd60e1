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


@pytest.fixture
def an_order_paid_and_shipped(owner_api, db):
    """An order paid by the sandbox's good card (with a 1.00 refund) and shipped in one parcel;
    returns (order number, payment id)."""
    from soloops.orders.services import order_place
    from tests.factories import draft

    make_variant("MUG-1", stock=5)
    order, _ = order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)
    payment = owner_api.post(
        f"/api/orders/{order.number}/payments",
        {"provider": "sandbox", "card_number": "4242 4242 4242 4242"},
    ).json()
    shipped = owner_api.post(
        f"/api/orders/{order.number}/shipments", {"carrier": "sandbox", "service": "standard"}
    )
    assert shipped.status_code == 201, shipped.content
    return order, payment["id"]


def test_the_lists_that_were_plain_arrays_are_paged_too(owner_api, an_order_paid_and_shipped):
    # given a supplier, a flow and a token besides the order's payment, shipment and events
    order, _payment = an_order_paid_and_shipped
    owner_api.post("/api/suppliers", {"name": "Acme", "email": "a@example.com"})
    owner_api.post("/api/suppliers", {"name": "Bolt", "email": "b@example.com"})
    flow = "name: Say hi\ntrigger: {manual: true}\nsteps:\n  - do: log\n    with: {message: hi}\n"
    assert owner_api.post("/api/flows", {"source": flow}).status_code == 201
    owner_api.post("/api/tokens", {"name": "laptop"})

    for path in (
        "/api/suppliers",
        "/api/tokens",
        "/api/flows",
        f"/api/orders/{order.number}/shipments",
        f"/api/orders/{order.number}/payments",
        f"/api/timeline/orders.order/{order.pk}",
    ):
        # when
        first = owner_api.get(path, limit=1)

        # then each answers the one shape, one item a page
        assert first.status_code == 200, (path, first.content)
        data = first.json()
        assert {"items", "count", "page", "pages", "limit", "has_more"} <= set(data), path
        assert (len(data["items"]), data["limit"]) == (1, 1), path
        assert data["has_more"] == (data["count"] > 1), path
        past = owner_api.get(path, limit=1, page=data["count"] + 1).json()
        assert (past["items"], past["has_more"]) == ([], False), path
    assert owner_api.get("/api/suppliers", limit=1, page=2).json()["items"][0]["name"] == "Bolt"


def test_tokens_movements_and_refunds_answer_their_location(owner_api, an_order_paid_and_shipped):
    # given
    _order, payment_id = an_order_paid_and_shipped

    # when
    token = owner_api.post("/api/tokens", {"name": "laptop"})
    movement = owner_api.post("/api/stock/MUG-1/adjustments", {"quantity": 2, "reason": "found"})
    counted = owner_api.post("/api/stock/MUG-1/counts", {"counted": 9})
    refund = owner_api.post(
        f"/api/payments/{payment_id}/refunds", {"amount": "1.00", "reason": "dent"}
    )

    # then each Location answers what was created
    for response in (token, movement, counted, refund):
        assert response.status_code == 201, response.content
        again = owner_api.get(response["Location"])
        assert again.status_code == 200, response["Location"]
        assert again.json()["id"] == response.json()["id"]
    assert token["Location"] == f"/api/tokens/{token.json()['id']}"
    assert "secret" not in owner_api.get(token["Location"]).json()
    assert movement["Location"] == f"/api/stock/MUG-1/movements/{movement.json()['id']}"
    assert refund["Location"] == f"/api/refunds/{refund.json()['id']}"
