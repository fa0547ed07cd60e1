"""Query counts on the hot paths: intake does not grow with lines, lists do not grow with rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.customers.models import Customer
from soloops.events.models import Event
from soloops.orders import services
from soloops.orders.models import Order
from tests.factories import SYSTEM, draft, make_variant
from tests.orders.conftest import body

SKUS = [f"SKU-{i}" for i in range(10)]


def make_skus() -> None:
    for sku in SKUS:
        # plenty of stock: no line crosses its low-stock threshold here
        make_variant(sku, price="5.00", stock=1000)


def intake_queries(api, lines: list[tuple[str, int]], email: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/orders", body(*lines, email=email))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "accepted"
    return len(ctx.captured_queries)


def test_intake_query_count_does_not_grow_with_lines(api, permissive):
    # given ten SKUs, and one order already taken (token, policy and rate caches are warm)
    make_skus()
    intake_queries(api, [("SKU-0", 1)], "warm@example.com")

    # when a first-time customer orders one line, another ten lines
    one = intake_queries(api, [("SKU-0", 1)], "one@example.com")
    ten = intake_queries(api, [(sku, 2) for sku in SKUS], "ten@example.com")

    # then
    print(f"\nintake: {one} queries for 1 line, {ten} for 10 lines")
    assert ten == one


def test_intake_query_count_for_a_returning_customer_does_not_grow_with_lines(api, permissive):
    # given
    make_skus()
    intake_queries(api, [("SKU-0", 1)], "back@example.com")

    # when the same customer orders again
    one = intake_queries(api, [("SKU-0", 1)], "back@example.com")
    ten = intake_queries(api, [(sku, 2) for sku in SKUS], "back@example.com")

    # then
    print(f"\nintake, returning customer: {one} queries for 1 line, {ten} for 10 lines")
    assert ten == one


def place_orders(n: int, lines: int = 2) -> list:
    return [
        services.order_place(
            draft=draft(*[(sku, 1) for sku in SKUS[:lines]], email=f"c{i}@example.com"),
            channel="api",
            actor=SYSTEM,
        )[0]
        for i in range(n)
    ]


def test_order_list_query_count_does_not_grow_with_orders(
    api, permissive, django_assert_num_queries
):
    # given three orders, measured
    make_skus()
    place_orders(3)
    api.get("/api/orders")  # the token's last-used time is written once, not per request
    with CaptureQueriesContext(connection) as ctx:
        few = api.get("/api/orders")
    assert few.json()["count"] == 3

    # when there are thirty
    place_orders(27)

    # then the same number of queries lists them
    with django_assert_num_queries(len(ctx.captured_queries)):
        many = api.get("/api/orders")
    assert many.json()["count"] == 30
    assert len(many.json()["items"]) == 30
    assert {item["line_count"] for item in many.json()["items"]} == {2}
    print(f"\nGET /api/orders: {len(ctx.captured_queries)} queries for 3 or 30 orders")


def test_order_detail_query_count_does_not_grow_with_lines(api, permissive):
    # given an order with one line and one with ten
    make_skus()
    (small,) = place_orders(1, lines=1)
    (large,) = place_orders(1, lines=10)
    api.get(f"/api/orders/{small.number}")

    # when
    with CaptureQueriesContext(connection) as one:
        api.get(f"/api/orders/{small.number}")
    with CaptureQueriesContext(connection) as ten:
        response = api.get(f"/api/orders/{large.number}")

    # then
    assert len(response.json()["lines"]) == 10
    assert len(ten.captured_queries) == len(one.captured_queries)


# Issue #12: a whole POST /api/orders (token, intake, events, task enqueue, the answer) is at
# most eight SQL statements whatever its line count, besides the transaction's own BEGIN and
# COMMIT. A real transaction (not the test's savepoint), so the enqueue after commit is counted.
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def statements(api, lines: list[tuple[str, int]], email: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/orders", body(*lines, email=email))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "accepted"
    assert len(response.json()["lines"]) == len(lines)
    assert [e["type"] for e in response.json()["timeline"]] == ["order.placed", "order.accepted"]
    every = [q["sql"].replace("`", '"') for q in ctx.captured_queries]  # MySQL: backticks
    # One transaction, and the dispatch task is written in it (the task queue is in this
    # database): nothing after the COMMIT.
    commits = [i for i, sql in enumerate(every) if sql.upper().startswith("COMMIT")]
    assert commits == [len(every) - 1], "\n".join(s[:90] for s in every)
    return [s for s in every if not s.upper().startswith(CONTROL)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [1, 5])
def test_one_api_order_is_eight_statements_for_a_returning_customer(api, permissive, count):
    # given SKUs, and the customer's first order (token, profile, policy, tables now known)
    make_skus()
    statements(api, [("SKU-9", 1)], "back@example.com")

    # when they order again, with 1 or 5 lines
    sqls = statements(api, [(sku, 1) for sku in SKUS[:count]], "back@example.com")

    # then: stock read, counts, order, lines, events, stock update, reservations, the enqueue
    # (MySQL/MariaDB: one more, as the stock update there is a locking read in id order and an
    # UPDATE; it has neither UPDATE ... RETURNING nor a locking CTE)
    mysql = connection.vendor == "mysql"
    assert len(sqls) == (9 if mysql else 8), "\n".join(s[:90] for s in sqls)
    assert sum(s.startswith('INSERT INTO "orders_orderline"') for s in sqls) == 1
    # stock: the read, and one reservation statement (an UPDATE; a locking CTE on PostgreSQL)
    assert sum("inventory_stocklevel" in s for s in sqls) == (3 if mysql else 2)


@pytest.mark.django_db(transaction=True)
def test_a_first_order_adds_one_statement_the_customer_row(api, permissive):
    # given SKUs, and another customer's order (token, profile, policy, tables now known)
    make_skus()
    statements(api, [("SKU-9", 1)], "warm@example.com")

    # when a new customer orders 5 lines
    sqls = statements(api, [(sku, 1) for sku in SKUS[:5]], "new@example.com")

    # then: the returning customer's eight, and the customer's INSERT; its customer.created
    # goes in the order's one event INSERT, no savepoint
    mysql = connection.vendor == "mysql"
    assert len(sqls) == (10 if mysql else 9), "\n".join(s[:90] for s in sqls)
    assert sum(s.startswith('INSERT INTO "customers_customer"') for s in sqls) == 1
    assert sum(s.startswith('INSERT INTO "automation_event"') for s in sqls) == 1
    customer = Customer.objects.get(email="new@example.com")
    assert Order.objects.get(email="new@example.com").customer_id == customer.pk
    created = Event.objects.get(type="customer.created", subject_id=str(customer.pk))
    placed = Event.objects.get(type="order.placed", payload__email="new@example.com")
    assert created.pk < placed.pk
    assert created.correlation_id == placed.correlation_id
