"""The Stripe adapter against ``FakeStripeHTTP`` (the official library, no network): outcomes
and errors map onto the provider interface."""

from decimal import Decimal

import pytest
import stripe

from soloops.payments.models import Payment
from soloops.payments.providers import ChargeRequest, ProviderUnavailable
from soloops.payments.providers.stripe import StripeProvider, from_minor, to_minor
from tests.payments.conftest import FakeStripeHTTP, check_error, pay

REQUEST = ChargeRequest(
    amount=Decimal("25.00"), currency="EUR", order_number="SO-1", metadata={"soloops_payment": "u"}
)


def adapter() -> tuple[StripeProvider, FakeStripeHTTP]:
    http = FakeStripeHTTP()
    return StripeProvider(api_key="sk_test_x", http_client=http, max_network_retries=0), http


def test_a_declined_card_is_a_failed_result():
    # given
    provider, http = adapter()
    http.responses.append(
        (
            402,
            {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card was declined.",
                }
            },
        )
    )

    # when
    result = provider.authorize(REQUEST, idempotency_key="k")

    # then
    assert result.status == "failed"
    assert result.failure_reason == "Stripe: Your card was declined."


@pytest.mark.parametrize(
    "response",
    [
        stripe.APIConnectionError("connection reset"),
        (500, {"error": {"type": "api_error", "message": "Something went wrong."}}),
        (429, {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "x"}}),
    ],
)
def test_an_unknown_outcome_raises_provider_unavailable(response):
    provider, http = adapter()
    http.responses.append(response)
    with pytest.raises(ProviderUnavailable):
        provider.authorize(REQUEST, idempotency_key="k")


def test_a_refused_capture_leaves_the_authorization():
    # given
    provider, http = adapter()
    http.responses.append(
        (
            400,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "payment_intent_unexpected_state",
                    "message": "This PaymentIntent could not be captured.",
                }
            },
        )
    )

    # when
    result = provider.capture(
        reference="pi_1", amount=Decimal("25.00"), currency="EUR", idempotency_key="k"
    )

    # then
    assert result.status == "authorized"
    assert "could not be captured" in result.failure_reason


def test_refund_request_carries_amount_key_and_metadata():
    # given
    provider, http = adapter()
    http.responses.append((200, {"id": "re_1", "object": "refund", "status": "pending"}))

    # when
    result = provider.refund(
        reference="pi_1",
        amount=Decimal("7.50"),
        currency="EUR",
        reason="chipped",
        metadata={"soloops_refund": "r"},
        idempotency_key="soloops:r:refund",
    )

    # then
    assert (result.status, result.reference) == ("pending", "re_1")
    (call,) = http.calls
    assert call["headers"]["Idempotency-Key"] == "soloops:r:refund"
    assert call["params"]["amount"] == ["750"]
    assert call["params"]["payment_intent"] == ["pi_1"]
    assert call["params"]["metadata[reason]"] == ["chipped"]


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.50", "EUR", 1250), ("0.01", "usd", 1), ("1500.00", "JPY", 1500)],
)
def test_minor_units(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor
    assert from_minor(minor, currency) == Decimal(amount)


def test_amounts_stripe_cannot_express_are_refused():
    with pytest.raises(ValueError, match="decimals"):
        to_minor(Decimal("10.50"), "JPY")


def test_start_when_stripe_does_not_answer_is_502_and_safe_to_repeat(api, order, fake_stripe):
    # given
    fake_stripe.responses.append(stripe.APIConnectionError("connection reset"))

    # when
    response = pay(api, order, "stripe", card=None)

    # then the payment waits, unanswered, and starting again repeats the same call
    data = check_error(response, 502, "provider_unavailable")
    assert "safe" in data["message"]
    payment = Payment.objects.get()
    assert (payment.status, payment.provider_reference) == ("pending", "")
    fake_stripe.responses.append(
        (200, {"id": "pi_1", "object": "payment_intent", "status": "requires_payment_method"})
    )
    again = pay(api, order, "stripe", card=None)
    assert again.json()["id"] == payment.pk
    keys = [c["headers"]["Idempotency-Key"] for c in fake_stripe.calls]
    assert keys == [f"soloops:{payment.uid}:authorize"] * 2


def test_stripe_api_base_says_where_the_requests_go():
    # given an adapter pointed at another address (stripe-mock, an egress proxy)
    http = FakeStripeHTTP()
    provider = StripeProvider(
        api_key="sk_test_x", api_base="http://127.0.0.1:12111/", http_client=http
    )
    http.responses.append((200, {"id": "re_1", "object": "refund", "status": "succeeded"}))

    # when it refunds
    provider.refund(
        reference="pi_1",
        amount=Decimal("1.00"),
        currency="EUR",
        reason="r",
        metadata={},
        idempotency_key="k",
    )

    # then the request went there, with our key
    assert http.calls[0]["url"] == "http://127.0.0.1:12111/v1/refunds"
    assert http.calls[0]["headers"]["Idempotency-Key"] == "k"
