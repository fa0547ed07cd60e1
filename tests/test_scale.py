"""The scale test (issue #17, "Deployment at scale"): the shop deployed as in production on this
machine's services — its own PostgreSQL database, Redis as the Celery broker and shared cache,
2 ``soloops web`` processes, 3 Celery workers, one scheduler — and orders driven over real HTTP
through the whole loop (placed → accepted → paid → shipped → delivered, with the customer
emails to a real SMTP server), while one worker is SIGKILLed with its pool and restarted
half-way. The deployment and the driver are ``bench/scale_shop.py`` and
``bench/scale_driver.py``, which ``bench/scale.py`` runs for its orders/s figures."""

import os
from collections import Counter

import pytest

from bench.scale_driver import drive, shipments_use_sandbox
from bench.scale_shop import ORDER_EMAILS, Shop, redis_claimed
from tests.conftest import require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.processes]

# The issue asks for 2,000 orders. The loop costs about 8.4 Celery tasks per order (4 email
# sends; 4.4 dispatches, each also dispatching the events its handlers and runs emit, and each
# send its email.sent; the odd facts refresh; README "bench/scale.py") and ran
# 400 orders in 178 s with this test's worker kill, start-up included, with 3 workers on the
# shared 2-core machine under load 10-13 (3.2 orders/s end to end in bench/scale.py, 300
# orders, load 8-11): that is what fits CI's 3 minutes. bench/scale.py drove 2,000 orders
# with 3 workers in 511 s (3.9 orders/s, load 1.3 at start, 8.5 at the end), so the full
# count takes about 9 minutes there. SOLOOPS_SCALE_ORDERS=2000 runs it.
SCALE_ORDERS = int(os.environ.get("SOLOOPS_SCALE_ORDERS", "400"))
WEB_PROCESSES, WORKERS = 2, 3


@pytest.fixture
def shop(tmp_path):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    with redis_claimed() as redis_url:
        deployed = Shop(tmp=tmp_path, redis_url=redis_url)
        try:
            deployed.create()
            deployed.start(web=WEB_PROCESSES, workers=WORKERS)
            yield deployed
        finally:
            deployed.stop()


def test_orders_go_through_the_loop_at_scale_while_a_worker_is_killed(shop):
    # given the shop deployed at scale, the owner having switched shipments to the sandbox
    # carrier, and a plan to SIGKILL the first worker (and its pool) half-way and restart it
    shipments_use_sandbox(shop)
    killed: list[int] = []

    def kill_and_restart() -> None:
        killed.append(shop.kill_worker(0))
        shop.restart_worker(0)

    # when the orders are driven through the loop over HTTP
    outcome = drive(shop, SCALE_ORDERS, midway=kill_and_restart)

    # then every order was placed, paid, shipped and delivered, and the worker was killed
    assert outcome.errors == []
    assert len(killed) == 1
    assert len(outcome.numbers) == SCALE_ORDERS
    assert outcome.delivered == set(outcome.numbers)
    state = shop.check()
    assert state["orders"] == {"delivered": SCALE_ORDERS}
    assert state["runs"].get("failed", 0) == 0, state["runs"]

    # and each order's four emails were sent once: one row each in the database, sent ...
    customers = set(outcome.numbers.values())
    per_kind = Counter((to, template) for to, template, _, _ in state["emails"])
    assert set(per_kind) == {(to, kind) for to in customers for kind in ORDER_EMAILS}
    assert set(per_kind.values()) == {1}
    assert {status for _, _, status, _ in state["emails"]} == {"sent"}

    # ... and one message each at the SMTP server. A worker killed after the server accepted a
    # message but before the row says "sent" makes its send go out once more with the same
    # Message-ID (documented in soloops/emails/services): at most one per pool process it had.
    recipient = {message_id: to for to, _, _, message_id in state["emails"]}
    received = shop.sink.messages()
    assert {message_id for _, message_id in received} == set(recipient)
    assert all(to == recipient[message_id] for to, message_id in received)
    repeated = len(received) - len(recipient)
    assert repeated <= shop.worker_concurrency, Counter(m for _, m in received).most_common(3)

    # and the stock ledger is consistent: on hand equals the sum of movements, nothing negative
    # or over-reserved, every reservation consumed by its shipment
    assert state["ledger_mismatches"] == []
    assert state["bad_stock"] == []
    assert state["active_reservations"] == 0
