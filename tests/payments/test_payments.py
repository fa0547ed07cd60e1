"""Taking payment through the API: sandbox cards, manual payments, idempotency, and the rule
that provider calls never run inside a transaction."""

from decimal import Decimal

import pytest
from django.db import transaction

from soloops.payments import services
from soloops.payments.models import Payment, SandboxEntry
from soloops.payments.providers import ChargeRequest
from soloops.payments.providers.sandbox import SandboxProvider
from soloops.payments.services.payments import _payment_open
from soloops.payments.services.provider_calls import provider_key
from tests.payments.conftest import (
    DECLINED_CARD,
    DELAYED_CARD,
    SUCCESS_CARD,
    SYSTEM,
    bearer,
    check_error,
    events,
    pay,
    place,
    snapshot,
)


def test_sandbox_success_captures_and_pays_the_order(api, order):
    # when
    response = pay(api, order)

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "captured"
    assert body["order_number"] == order.number
    assert body["amount"] == str(order.total)
    assert body["currency"] == order.currency
    assert body["card_last4"] == "4242"
    assert body["provider_reference"].startswith("sbx_ch_")
    assert body["refundable"] == str(order.total)
    order.refresh_from_db()
    assert order.status == "paid"
    (captured,) = events("payment.captured")
    assert captured.payload["order_number"] == order.number
    assert captured.payload["amount"] == str(order.total)
    assert captured.payload["currency"] == order.currency
    assert captured.payload["order_paid"] is True
    assert len(events("order.paid")) == 1
    assert events("payment.authorized") == []  # one event for the one transition
    (charge,) = SandboxEntry.objects.filter(operation="charge")
    assert (charge.outcome, charge.amount, charge.card_last4) == ("captured", order.total, "4242")


def test_the_card_number_is_never_stored(api, order):
    # when
    pay(api, order)

    # then no column of any payment row holds the number
    row = Payment.objects.values().get()
    assert not any("4242424242424242" in str(value) for value in row.values())
    ledger = list(SandboxEntry.objects.values())
    assert not any("4242424242424242" in str(value) for e in ledger for value in e.values())


def test_declined_card_fails_and_the_order_stays_unpaid(api, order):
    # when
    response = pay(api, order, card=DECLINED_CARD)

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "failed"
    assert body["failure_reason"] == "the card was declined"
    order.refresh_from_db()
    assert order.status == "accepted"
    (failed,) = events("payment.failed")
    assert failed.payload["order_number"] == order.number
    assert failed.payload["reason"] == "the card was declined"
    assert events("payment.captured") == [] and events("order.paid") == []


def test_after_a_decline_the_order_can_be_paid_with_another_card(api, order):
    # given
    pay(api, order, card="4000000000009995")  # insufficient funds

    # when
    response = pay(api, order)

    # then
    assert response.json()["status"] == "captured"
    assert list(Payment.objects.values_list("status", flat=True).order_by("pk")) == [
        "failed",
        "captured",
    ]
    order.refresh_from_db()
    assert order.status == "paid"


def test_delayed_card_stays_authorized_until_the_processor_confirms(api, order):
    # when
    started = pay(api, order, card=DELAYED_CARD).json()

    # then it is authorized, not captured, and the order is not paid
    assert started["status"] == "authorized"
    order.refresh_from_db()
    assert order.status == "accepted"
    assert len(events("payment.authorized")) == 1

    # and a capture before the confirmation is refused, leaving it authorized
    refused = api.post(f"/api/payments/{started['id']}/capture")
    check_error(refused, 409, "capture_failed")
    assert "awaiting confirmation" in refused.json()["message"]
    assert Payment.objects.get().status == "authorized"

    # when the sandbox processor confirms it
    confirmed = api.post(f"/api/payments/{started['id']}/sandbox-confirm")

    # then
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "captured"
    order.refresh_from_db()
    assert order.status == "paid"
    assert len(events("payment.captured")) == 1
    assert len(events("order.paid")) == 1

    # and confirming or capturing again changes nothing
    assert api.post(f"/api/payments/{started['id']}/sandbox-confirm").json()["status"] == (
        "captured"
    )
    assert api.post(f"/api/payments/{started['id']}/capture").json()["status"] == "captured"
    assert len(events("payment.captured")) == 1
    assert SandboxEntry.objects.filter(operation="confirm").count() == 1


def test_same_idempotency_key_charges_once(api, order):
    # given
    key = {"Idempotency-Key": "pay-order-1"}
    first = pay(api, order, **key)

    # when the same request is sent again
    again = pay(api, order, **key)

    # then it answers the same payment and the sandbox charged once
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "captured"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert SandboxEntry.objects.filter(operation="charge").count() == 1
    assert len(events("payment.captured")) == 1


def test_same_idempotency_key_with_another_body_is_refused(api, order, shop):
    # given
    pay(api, order, **{"Idempotency-Key": "k-1"})
    other = place()
    before = snapshot()

    # when the key is used for another order, or another card
    for_other_order = pay(api, other, **{"Idempotency-Key": "k-1"})
    other_card = pay(api, order, card=DECLINED_CARD, **{"Idempotency-Key": "k-1"})

    # then
    check_error(for_other_order, 422, "idempotency_key_reused", "Idempotency-Key")
    check_error(other_card, 422, "idempotency_key_reused", "Idempotency-Key")
    assert snapshot() == before


def test_sandbox_answers_a_repeated_key_with_the_first_answer(shop):
    # given
    request = ChargeRequest(
        amount=Decimal("25.00"),
        currency="EUR",
        order_number="SO-TEST",
        metadata={},
        card_number=SUCCESS_CARD,
    )
    sandbox = SandboxProvider()

    # when
    first = sandbox.authorize(request, idempotency_key="k")
    second = sandbox.authorize(request, idempotency_key="k")

    # then
    assert first == second
    assert first.status == "captured"
    (charge,) = SandboxEntry.objects.all()
    assert charge.amount == Decimal("25.00")


def test_a_start_whose_answer_was_lost_is_repeated_with_the_same_key(api, order):
    # given a payment recorded, and charged by the sandbox, but the answer never recorded
    # (the process died between the provider call and the result)
    payment = _payment_open(order, "sandbox", SUCCESS_CARD, None, "")
    SandboxProvider().authorize(
        ChargeRequest(
            amount=payment.amount,
            currency=payment.currency,
            order_number=order.number,
            metadata={},
            card_number=SUCCESS_CARD,
        ),
        idempotency_key=provider_key(payment.uid, "authorize"),
    )
    assert Payment.objects.get().status == "pending"

    # when the payment is started again
    response = pay(api, order)

    # then the same payment is completed from the first charge, not charged again
    assert response.json()["id"] == payment.pk
    assert response.json()["status"] == "captured"
    assert SandboxEntry.objects.filter(operation="charge").count() == 1
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_paid_order_takes_no_second_payment(api, order):
    # given
    pay(api, order)
    before = snapshot()

    # when
    response = pay(api, order)

    # then
    check_error(response, 409, "already_paid")
    assert snapshot() == before


def test_an_authorized_payment_blocks_a_second_one(api, order):
    # given
    first = pay(api, order, "manual", card=None).json()

    # when
    response = pay(api, order)

    # then
    data = check_error(response, 409, "payment_in_progress")
    assert data["extra"] == {"payment": first["id"]}


def test_only_accepted_orders_take_payment(api, order):
    # given
    api.post(f"/api/orders/{order.number}/hold", {"reason": "check the address"})
    before = snapshot()

    # when
    response = pay(api, order)

    # then
    data = check_error(response, 409, "order_not_payable")
    assert data["extra"] == {"order_status": "on_hold"}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"provider": "sandbox", "card_number": "4111111111111111"}, "invalid_card", "card_number"),
        ({"provider": "sandbox"}, "invalid_card", "card_number"),
        ({"provider": "manual", "card_number": SUCCESS_CARD}, "card_not_allowed", "card_number"),
        ({"provider": "paypal"}, "invalid_input", "provider"),
        ({"provider": "sandbox", "card_number": "4242x"}, "invalid_input", "card_number"),
        ({"provider": "stripe"}, "provider_not_configured", "provider"),
    ],
)
def test_bad_payment_requests_name_the_field_and_change_nothing(api, order, body, code, field):
    # given
    before = snapshot()

    # when
    response = api.post(f"/api/orders/{order.number}/payments", body)

    # then
    check_error(response, 422, code, field)
    assert snapshot() == before


def test_a_disabled_provider_is_refused(api, order, settings):
    # given
    settings.PAYMENT_PROVIDERS = ["manual"]

    # when
    response = pay(api, order)

    # then
    check_error(response, 422, "provider_disabled", "provider")


def test_manual_payment_is_paid_when_the_owner_marks_it(api, order):
    # when a bank transfer payment starts
    started = pay(api, order, "manual", card=None).json()

    # then the money is expected, not yet in
    assert started["status"] == "authorized"
    order.refresh_from_db()
    assert order.status == "accepted"

    # and capture points to mark-paid
    refused = api.post(f"/api/payments/{started['id']}/capture")
    assert "mark-paid" in check_error(refused, 409, "not_capturable")["message"]

    # when the owner marks it received
    paid = api.post(f"/api/payments/{started['id']}/mark-paid", {"reference": "TRX-2026-42"})

    # then
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "captured"
    assert paid.json()["provider_reference"] == "TRX-2026-42"
    order.refresh_from_db()
    assert order.status == "paid"
    (captured,) = events("payment.captured")
    assert captured.actor_label.startswith("olivia")
    assert captured.payload["reference"] == "TRX-2026-42"

    # and marking again changes nothing
    again = api.post(f"/api/payments/{started['id']}/mark-paid", {})
    assert again.json()["status"] == "captured"
    assert len(events("payment.captured")) == 1


def test_mark_paid_is_only_for_manual_payments(api, order):
    # given
    payment = pay(api, order, card=DELAYED_CARD).json()

    # when
    response = api.post(f"/api/payments/{payment['id']}/mark-paid", {})

    # then
    check_error(response, 409, "not_manual")
    assert Payment.objects.get().status == "authorized"


def test_list_of_an_orders_payments_in_constant_queries(api, order, django_assert_max_num_queries):
    # given a failed and a captured payment, with two refunds
    pay(api, order, card=DECLINED_CARD)
    paid = pay(api, order).json()
    for amount in ("1.00", "2.00"):
        api.post(f"/api/payments/{paid['id']}/refunds", {"amount": amount, "reason": "dent"})

    # when
    with django_assert_max_num_queries(6):  # token, order, payments, refunds (+ last_used)
        response = api.get(f"/api/orders/{order.number}/payments")

    # then newest first, each with its refunds
    assert response.status_code == 200
    body = response.json()["items"]
    assert [p["status"] for p in body] == ["partially_refunded", "failed"]
    assert [r["amount"] for r in body[0]["refunds"]] == ["1.00", "2.00"]
    assert body[0]["refunds"][0]["currency"] == order.currency


def test_unknown_payment_and_order_are_404(api, order):
    check_error(api.get("/api/payments/999999"), 404, "not_found")
    check_error(api.post("/api/payments/999999/capture"), 404, "not_found")
    check_error(api.get("/api/orders/SO-NOPE/payments"), 404, "not_found")


def test_provider_calls_refuse_to_run_inside_a_transaction(api, order):
    # given an authorized payment
    payment = Payment.objects.get(pk=pay(api, order, card=DELAYED_CARD).json()["id"])

    # when a caller wraps the capture (a provider call) in its own transaction
    with pytest.raises(RuntimeError, match="outside a transaction"), transaction.atomic():
        services.payment_capture(payment=payment, actor=SYSTEM)

    # and likewise a start
    with pytest.raises(RuntimeError), transaction.atomic():
        services.payment_start(order=place(), provider="sandbox", actor=SYSTEM,
                               card_number=SUCCESS_CARD)  # fmt: skip


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope"), [("viewer", "write"), ("viewer", "read"), ("owner", "read")]
)
def test_readers_cannot_pay_or_refund(client, api, order, role, scope):
    # given a captured payment, and a caller who may only read
    paid = pay(api, order).json()
    manual_order = place()
    manual = pay(api, manual_order, "manual", card=None).json()
    reader = bearer(f"reader-{role}-{scope}", role, scope)
    before = snapshot()

    def post(path, body):
        return client.post(path, body, content_type="application/json", headers=reader)

    # when / then every write is refused
    for response in [
        post(f"/api/orders/{place().number}/payments", {"provider": "manual"}),
        post(f"/api/payments/{paid['id']}/refunds", {"amount": "1.00", "reason": "x"}),
        post(f"/api/payments/{manual['id']}/mark-paid", {}),
        post(f"/api/payments/{manual['id']}/capture", {}),
        post(f"/api/orders/{order.number}/cancel-and-refund", {"reason": "x"}),
    ]:
        check_error(response, 403, "read_only")
    after = snapshot()
    assert after["payments"] == before["payments"] and after["refunds"] == before["refunds"]

    # and reading is allowed
    listed = client.get(f"/api/orders/{order.number}/payments", headers=reader)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["items"]] == [paid["id"]]


def test_staff_may_pay_and_refund(client, order):
    # given
    staff = bearer("sam", "staff")

    # when
    paid = client.post(
        f"/api/orders/{order.number}/payments",
        {"provider": "sandbox", "card_number": SUCCESS_CARD},
        content_type="application/json",
        headers=staff,
    )
    refund = client.post(
        f"/api/payments/{paid.json()['id']}/refunds",
        {"amount": "1.00", "reason": "scratched"},
        content_type="application/json",
        headers=staff,
    )

    # then
    assert paid.status_code == 201 and refund.status_code == 201


def test_anonymous_callers_get_401(client, order):
    response = client.post(
        f"/api/orders/{order.number}/payments",
        {"provider": "manual"},
        content_type="application/json",
    )
    check_error(response, 401, "not_authenticated")


# --- cancelling a payment -----------------------------------------------------------------


def test_an_authorized_card_payment_can_be_cancelled_and_the_order_paid_otherwise(api, order):
    # given a card authorization waiting for confirmation
    held = pay(api, order, card=DELAYED_CARD).json()

    # when the owner cancels it
    response = api.post(f"/api/payments/{held['id']}/cancel", {"reason": "customer pays cash"})

    # then the authorization is released and the payment failed, with the reason
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "failed"
    assert response.json()["failure_reason"] == "cancelled: customer pays cash"
    assert SandboxEntry.objects.filter(operation="void").count() == 1
    (failed,) = events("payment.failed")
    assert failed.payload["reason"] == "cancelled: customer pays cash"

    # and the released charge can never be taken
    check_error(api.post(f"/api/payments/{held['id']}/sandbox-confirm"), 409, "not_capturable")
    assert SandboxProvider().confirm(reference=held["provider_reference"]).status == "failed"

    # and the order may be paid another way
    assert pay(api, order, "manual", card=None).json()["status"] == "authorized"


def test_a_captured_payment_is_not_cancelled_but_refunded(api, order):
    # given
    paid = pay(api, order).json()
    before = snapshot()

    # when
    response = api.post(f"/api/payments/{paid['id']}/cancel", {"reason": "oops"})

    # then
    assert "refunded instead" in check_error(response, 409, "not_cancellable")["message"]
    assert snapshot() == before


def test_cancelling_needs_a_reason(api, order):
    held = pay(api, order, "manual", card=None).json()
    check_error(api.post(f"/api/payments/{held['id']}/cancel", {"reason": ""}), 422,
                "invalid_input", "reason")  # fmt: skip
    check_error(api.post(f"/api/payments/{held['id']}/cancel", {"reason": "  "}), 422,
                "reason_required", "reason")  # fmt: skip
