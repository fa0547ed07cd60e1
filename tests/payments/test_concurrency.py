"""Money under concurrency, on SQLite and PostgreSQL: requests racing for the same order or
the same captured money never take or give back more than once."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections

from soloops.errors import ApplicationError
from soloops.payments import services
from soloops.payments.models import Payment, Refund, SandboxEntry
from tests.payments.conftest import SUCCESS_CARD, SYSTEM, place

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 8


def race(fn, args) -> list[tuple[str, object]]:
    """``fn(arg)`` for every arg at once, each thread with its own database connection."""

    def call(arg):
        try:
            return "ok", fn(arg)
        except ApplicationError as e:
            return e.code, e
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(call, args))


def test_racing_payments_for_one_order_charge_once(shop):
    # given
    order = place()

    # when several requests (different keys) try to pay it at once
    outcomes = race(
        lambda i: services.payment_start(
            order=order,
            provider="sandbox",
            actor=SYSTEM,
            card_number=SUCCESS_CARD,
            idempotency_key=f"racer-{i}",
        ),
        range(RACERS),
    )

    # then one payment took the money; the others were told the order is paid or being paid
    assert [o for o, _ in outcomes].count("ok") >= 1
    assert {o for o, _ in outcomes} <= {"ok", "already_paid", "payment_in_progress"}
    assert Payment.objects.filter(status="captured").count() == 1
    assert Payment.objects.count() == 1
    assert SandboxEntry.objects.filter(operation="charge").count() == 1
    order.refresh_from_db()
    assert order.status == "paid"


def test_racing_refunds_never_give_back_more_than_was_taken(shop):
    # given a captured payment
    order = place()
    payment, _ = services.payment_start(
        order=order, provider="sandbox", actor=SYSTEM, card_number=SUCCESS_CARD
    )
    share = (payment.amount / 3).quantize(Decimal("0.01"))

    # when more refunds than fit are asked at once
    outcomes = race(
        lambda i: services.payment_refund(
            payment=payment, amount=share, reason=f"racer {i}", actor=SYSTEM
        ),
        range(RACERS),
    )

    # then exactly the ones that fit went through, and the books agree
    assert [o for o, _ in outcomes].count("ok") == 3
    assert {o for o, _ in outcomes} == {"ok", "refund_exceeds_balance"}
    payment.refresh_from_db()
    assert payment.amount_refunded == share * 3
    assert Refund.objects.filter(status="succeeded").count() == 3
    assert SandboxEntry.objects.filter(operation="refund").count() == 3
