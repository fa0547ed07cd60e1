"""Refunds: never more than captured minus refunded, partial then full, idempotent, retried
safely when the provider's answer is lost; and cancelling a paid order."""

from decimal import Decimal

import pytest

from soloops.automation.models import Event
from soloops.events.services import events_dispatch
from soloops.orders.services import order_mark_shipped, order_start_fulfilling
from soloops.payments.models import Payment, Refund, SandboxEntry
from soloops.payments.providers import ProviderUnavailable
from soloops.payments.providers.sandbox import SandboxProvider
from tests.payments.conftest import SYSTEM, check_error, events, pay, snapshot


@pytest.fixture
def paid(api, order) -> dict:
    """A captured sandbox payment of the order's total (25.00 EUR: two mugs)."""
    payment = pay(api, order).json()
    assert payment["status"] == "captured"
    return payment


def refund(api, payment: dict, amount: str, reason: str = "customer changed their mind", **h):
    return api.post(
        f"/api/payments/{payment['id']}/refunds", {"amount": amount, "reason": reason}, headers=h
    )


def ledger_refunds() -> list[Decimal]:
    return list(
        SandboxEntry.objects.filter(operation="refund")
        .order_by("id")
        .values_list("amount", flat=True)
    )


def test_refund_of_more_than_captured_is_refused_and_changes_nothing(api, paid):
    # given
    total = Decimal(paid["amount"])
    before = snapshot()

    # when
    response = refund(api, paid, str(total + Decimal("0.01")))

    # then
    data = check_error(response, 422, "refund_exceeds_balance", "amount")
    assert data["extra"]["refundable"] == str(total)
    assert f"left to refund on payment {paid['id']}" in data["message"]
    assert snapshot() == before
    assert ledger_refunds() == []


def test_partial_then_full_refund(api, paid, order):
    # when a part goes back
    first = refund(api, paid, "5.00", "one mug arrived chipped")

    # then
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["amount"], body["reason"]) == (
        "succeeded",
        "5.00",
        "one mug arrived chipped",
    )
    assert body["provider_reference"].startswith("sbx_re_")
    assert body["payment"]["status"] == "partially_refunded"
    assert body["payment"]["amount_refunded"] == "5.00"
    assert body["payment"]["refundable"] == str(Decimal(paid["amount"]) - 5)

    # when more than what is left is asked, it is refused naming amount
    rest = Decimal(paid["amount"]) - 5
    check_error(refund(api, paid, str(rest + Decimal("0.01"))), 422, "refund_exceeds_balance",
                "amount")  # fmt: skip

    # when the rest goes back
    second = refund(api, paid, str(rest), "order returned")

    # then
    assert second.json()["payment"]["status"] == "refunded"
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_refunded) == ("refunded", payment.amount)
    refunded = events("payment.refunded")
    assert [e.payload["amount"] for e in refunded] == ["5.00", str(rest)]
    assert [e.payload["status"] for e in refunded] == ["partially_refunded", "refunded"]
    assert all(e.payload["order_number"] == order.number for e in refunded)
    assert all(e.payload["currency"] == order.currency for e in refunded)
    assert ledger_refunds() == [Decimal("5.00"), rest]

    # and nothing more can be refunded
    check_error(refund(api, paid, "0.01"), 409, "not_refundable")


def test_an_uncaptured_payment_cannot_be_refunded(api, order):
    # given
    authorized = pay(api, order, "manual", card=None).json()

    # when
    response = refund(api, authorized, "1.00")

    # then
    check_error(response, 409, "not_refundable")
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "reason", "code", "field"),
    [
        ("0", "x", "invalid_input", "amount"),
        ("-1.00", "x", "invalid_input", "amount"),
        ("1.001", "x", "invalid_input", "amount"),
        ("abc", "x", "invalid_input", "amount"),
        ("1.00", "", "invalid_input", "reason"),
        ("1.00", "   ", "reason_required", "reason"),
    ],
)
def test_bad_refund_requests_name_the_field(api, paid, amount, reason, code, field):
    before = snapshot()
    check_error(refund(api, paid, amount, reason), 422, code, field)
    assert snapshot() == before


def test_same_idempotency_key_refunds_once(api, paid):
    # given
    first = refund(api, paid, "3.00", **{"Idempotency-Key": "refund-1"})

    # when
    again = refund(api, paid, "3.00", **{"Idempotency-Key": "refund-1"})
    other = refund(api, paid, "4.00", **{"Idempotency-Key": "refund-1"})

    # then
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    check_error(other, 422, "idempotency_key_reused", "Idempotency-Key")
    assert ledger_refunds() == [Decimal("3.00")]
    assert Payment.objects.get().amount_refunded == Decimal("3.00")
    assert len(events("payment.refunded")) == 1


def test_a_refund_whose_answer_is_lost_stays_pending_and_holds_its_amount(api, paid, monkeypatch):
    # given the processor does the refund but its answer never arrives
    real_refund = SandboxProvider.refund

    def refund_then_time_out(self, **kwargs):
        real_refund(self, **kwargs)
        raise ProviderUnavailable("sandbox: timed out")

    monkeypatch.setattr(SandboxProvider, "refund", refund_then_time_out)

    # when
    lost = refund(api, paid, paid["amount"])

    # then the caller is told the outcome is unknown and how to retry
    data = check_error(lost, 502, "provider_unavailable")
    pending = Refund.objects.get()
    assert pending.status == "pending"
    assert f"/api/refunds/{pending.pk}/retry" in data["message"]
    assert Payment.objects.get().status == "captured"

    # and its amount cannot be refunded a second time meanwhile
    check_error(refund(api, paid, "0.01"), 422, "refund_exceeds_balance", "amount")
    assert api.get(f"/api/payments/{paid['id']}").json()["refundable"] == "0.00"

    # when it is retried with the processor answering again
    monkeypatch.setattr(SandboxProvider, "refund", real_refund)
    retried = api.post(f"/api/refunds/{pending.pk}/retry")

    # then it is recorded once, and the processor refunded once
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "succeeded"
    assert retried.json()["payment"]["status"] == "refunded"
    assert ledger_refunds() == [Decimal(paid["amount"])]
    assert len(events("payment.refunded")) == 1
    check_error(api.post(f"/api/refunds/{pending.pk}/retry"), 409, "refund_not_pending")


def test_a_refused_refund_is_failed_and_gives_nothing_back(api, paid, monkeypatch):
    # given the sandbox's books say the charge has less left than ours (refunded elsewhere)
    SandboxProvider().refund(
        reference=paid["provider_reference"],
        amount=Decimal(paid["amount"]),
        currency="EUR",
        reason="elsewhere",
        metadata={},
        idempotency_key="outside",
    )

    # when
    response = refund(api, paid, "1.00")

    # then
    assert response.status_code == 201
    assert response.json()["status"] == "failed"
    assert "left" in response.json()["failure_reason"]
    assert Payment.objects.get().amount_refunded == 0
    (failed,) = events("payment.refund_failed")
    assert failed.payload["refund"] == response.json()["id"]


def test_cancel_and_refund_a_paid_order(api, paid, order):
    # when
    response = api.post(
        f"/api/orders/{order.number}/cancel-and-refund", {"reason": "customer cancelled"}
    )

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["order_number"], body["order_status"]) == (order.number, "cancelled")
    (done,) = body["refunds"]
    assert (done["status"], done["amount"], done["reason"]) == (
        "succeeded",
        paid["amount"],
        "customer cancelled",
    )
    assert done["payment"]["status"] == "refunded"
    assert len(events("order.cancelled")) == 1
    assert len(events("payment.refunded")) == 1

    # and the cancellation's handlers see the refund: nothing is due
    events_dispatch(event_ids=[e.pk for e in events("order.cancelled")])
    assert events("payment.refund_due") == []


def test_cancel_and_refund_refuses_an_order_that_cannot_be_cancelled(api, paid, order):
    # given the order has shipped
    order_start_fulfilling(order=order, actor=SYSTEM)
    order_mark_shipped(order=order, actor=SYSTEM)
    before = snapshot()

    # when
    response = api.post(f"/api/orders/{order.number}/cancel-and-refund", {"reason": "late"})

    # then nothing is refunded
    check_error(response, 409, "illegal_transition", "status")
    assert snapshot() == before
    assert ledger_refunds() == []


def test_cancelling_a_paid_order_without_refund_says_a_refund_is_due(api, paid, order):
    # when the order is cancelled the plain way
    api.post(f"/api/orders/{order.number}/cancel", {"reason": "out of stock"})
    events_dispatch(event_ids=[e.pk for e in events("order.cancelled")])

    # then the money held for it is flagged, and not refunded by itself
    (due,) = events("payment.refund_due")
    assert due.payload["order_number"] == order.number
    assert due.payload["refund_due"] == paid["amount"]
    assert due.payload["order_status"] == "cancelled"
    assert Payment.objects.get().status == "captured"
    assert ledger_refunds() == []


def test_a_payment_confirmed_after_the_order_was_cancelled_is_flagged(api, order):
    # given a delayed card payment, and the order cancelled while it waits
    payment = pay(api, order, card="4000000000003220").json()
    api.post(f"/api/orders/{order.number}/cancel", {"reason": "changed mind"})

    # when the processor confirms it after all
    confirmed = api.post(f"/api/payments/{payment['id']}/sandbox-confirm")

    # then the money is recorded as taken, the order stays cancelled, and a refund is due
    assert confirmed.json()["status"] == "captured"
    order.refresh_from_db()
    assert order.status == "cancelled"
    (captured,) = events("payment.captured")
    assert captured.payload["order_paid"] is False
    assert len(events("payment.refund_due")) == 1
    assert Event.objects.filter(type="order.paid").count() == 0


def test_cancel_and_refund_releases_a_payment_not_captured_yet(api, order):
    # given a card authorization waiting for the processor
    held = pay(api, order, card="4000000000003220").json()

    # when
    response = api.post(f"/api/orders/{order.number}/cancel-and-refund", {"reason": "too slow"})

    # then the order is cancelled, the authorization released, nothing refunded
    assert response.json()["order_status"] == "cancelled"
    assert response.json()["refunds"] == []
    assert Payment.objects.get(pk=held["id"]).status == "failed"
    assert SandboxEntry.objects.filter(operation="void").count() == 1
    assert ledger_refunds() == []
