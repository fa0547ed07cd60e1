"""No oversell through real HTTP: 200 concurrent orders for 50 units against the real web server
(gunicorn, 2 worker processes x 8 threads), on whichever database the suite runs (SQLite by
default, PostgreSQL with DATABASE_URL). Nothing sleeps; the test only waits for the server to
answer and for every request to return.
"""

import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from soloops.automation.models import Event
from soloops.inventory.models import Reservation, ReservationStatus
from soloops.inventory.selectors import ledger_mismatches
from soloops.orders.models import Order, OrderLine
from tests.conftest import answers, free_port, wait_until
from tests.factories import ADDRESS, make_variant
from tests.orders.conftest import PERMISSIVE, bearer_for, make_user, set_policy, stock

pytestmark = pytest.mark.processes

REQUESTS = 200
IN_STOCK = 50


def post(url: str, payload: dict, headers: dict[str, str]) -> tuple[int, dict]:
    """One request on its own connection; (status, JSON body), errors included."""
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        url,
        data=json.dumps(payload).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"raw": body.decode(errors="replace")}


def test_two_hundred_concurrent_orders_for_fifty_units_sell_exactly_fifty(processes):
    # given one SKU with 50 in stock, a review that holds nothing, an owner's write token
    make_variant("HOT-1", price="19.00", stock=IN_STOCK)
    set_policy(**PERMISSIVE)
    headers = bearer_for(make_user("olivia", "owner"))
    port = free_port()
    web = processes.start("web", "--port", str(port), "--workers", "2", "--threads", "8")
    base = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: answers(f"{base}/healthz") or web.poll() is not None,
        timeout=60,
        what="the web server to answer /healthz",
    )
    assert web.poll() is None, processes.log(web)

    # when 200 customers each order one unit at once
    def order(i: int) -> tuple[int, dict]:
        payload = {
            "email": f"buyer{i}@example.com",
            "lines": [{"sku": "HOT-1", "quantity": 1}],
            "shipping_address": ADDRESS,
        }
        return post(f"{base}/api/orders", payload, headers)

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(order, range(REQUESTS)))

    # then exactly 50 were accepted and 150 refused for stock, by line, and nothing failed
    statuses = Counter(status for status, _ in results)
    assert not [r for r in results if r[0] >= 500], (results, processes.log(web)[-5000:])
    accepted = [body for status, body in results if status == 201]
    refused = [body for status, body in results if status == 409]
    assert statuses == {201: IN_STOCK, 409: REQUESTS - IN_STOCK}, statuses
    assert {body["status"] for body in accepted} == {"accepted"}
    assert {(body["code"], body["field"]) for body in refused} == {
        ("insufficient_stock", "lines[0].quantity")
    }
    row = stock("HOT-1")
    assert row.reserved == IN_STOCK
    assert row.on_hand - row.reserved == 0
    assert ledger_mismatches() == []
    assert Order.objects.count() == IN_STOCK
    assert OrderLine.objects.count() == IN_STOCK
    assert Reservation.objects.filter(status=ReservationStatus.ACTIVE).count() == IN_STOCK
    assert Event.objects.filter(type="order.placed").count() == IN_STOCK
    assert {o.number for o in Order.objects.all()} == {body["number"] for body in accepted}
