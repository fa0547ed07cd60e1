"""POST /webhooks/stripe: real HMAC-SHA256 signatures over real JSON bodies with a test secret.

Verified events are stored once by their id, answered at once and acted on after commit; bad,
stale or missing signatures are 400 with nothing stored. No request leaves the machine: the
Stripe adapter talks to ``FakeStripeHTTP``.
"""

import json
import time
from decimal import Decimal

import pytest
import stripe

from soloops.automation.models import Event
from soloops.events.services import events_dispatch
from soloops.payments.models import Payment, Refund, WebhookEvent
from tests.payments.conftest import (
    WEBHOOK_SECRET,
    check_error,
    events,
    intent,
    pay,
    post_webhook,
    signature,
    signed,
    stripe_event,
)


def start(api, order, fake) -> Payment:
    """A Stripe payment as the storefront starts it: a PaymentIntent waiting for the customer."""
    fake.responses.append(
        (
            200,
            {
                "id": "pi_3TestIntent0001",
                "object": "payment_intent",
                "amount": int(order.total * 100),
                "currency": order.currency.lower(),
                "status": "requires_payment_method",
                "client_secret": "pi_3TestIntent0001_secret_abc",
            },
        )
    )
    response = pay(api, order, "stripe", card=None)
    assert response.status_code == 201, response.content
    return Payment.objects.select_related("order").get(pk=response.json()["id"])


def process_webhooks() -> None:
    """What the worker does after commit, for tests inside one transaction."""
    events_dispatch(event_ids=[e.pk for e in events("payment_webhook.received")])


def stored() -> tuple[int, int]:
    return WebhookEvent.objects.count(), Event.objects.count()


def test_starting_a_stripe_payment_creates_an_intent_with_our_key(api, order, fake_stripe):
    # when
    payment = start(api, order, fake_stripe)

    # then the customer must still confirm in the browser
    assert payment.status == "pending"
    assert payment.provider_reference == "pi_3TestIntent0001"
    assert payment.next_action == {
        "type": "stripe_js",
        "client_secret": "pi_3TestIntent0001_secret_abc",
    }
    order.refresh_from_db()
    assert order.status == "accepted"

    # and the one request carried the amount in cents, our metadata and our idempotency key
    (call,) = fake_stripe.calls
    assert call["method"] == "post"
    assert call["url"].endswith("/v1/payment_intents")
    assert call["headers"]["Idempotency-Key"] == f"soloops:{payment.uid}:authorize"
    assert call["params"]["amount"] == [str(int(order.total * 100))]
    assert call["params"]["currency"] == ["eur"]
    assert call["params"]["metadata[soloops_payment]"] == [str(payment.uid)]
    assert call["params"]["capture_method"] == ["automatic"]


def test_valid_webhook_is_accepted_once_and_processed_after_commit(
    transactional_db, shop, api, fake_stripe, client, run_tasks
):
    # given a Stripe payment waiting for the customer
    from tests.payments.conftest import place

    order = place()
    payment = start(api, order, fake_stripe)
    run_tasks()  # whatever the order's own events queued
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))

    # when Stripe reports it succeeded
    response = post_webhook(client, body, signed(body))

    # then it is answered at once and stored raw, not yet acted on
    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "duplicate": False}
    hook = WebhookEvent.objects.get()
    assert (hook.provider, hook.event_id, hook.type) == (
        "stripe",
        "evt_1TestEvent0001",
        "payment_intent.succeeded",
    )
    assert hook.payload == body
    assert hook.processed_at is None
    assert Payment.objects.get().status == "pending"

    # when the worker runs what was queued on commit
    run_tasks()

    # then the payment is captured and the order paid, once
    payment.refresh_from_db()
    order.refresh_from_db()
    hook.refresh_from_db()
    assert payment.status == "captured"
    assert order.status == "paid"
    assert hook.processed_at is not None and hook.error == ""
    assert len(events("payment.captured")) == 1
    assert len(events("order.paid")) == 1
    assert events("payment.captured")[0].actor_label == "stripe"

    # when Stripe sends the same event again (a retry, or a replayed request)
    replay = post_webhook(client, body, signed(body))
    run_tasks()

    # then it is answered and nothing more happens
    assert replay.status_code == 200
    assert replay.json() == {"received": True, "duplicate": True}
    assert WebhookEvent.objects.count() == 1
    assert len(events("payment_webhook.received")) == 1
    assert len(events("payment.captured")) == 1
    assert len(events("order.paid")) == 1


def test_processing_the_same_webhook_twice_acts_once(api, order, fake_stripe, client):
    # given a stored webhook, processed once
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))
    post_webhook(client, body, signed(body))
    process_webhooks()

    # when its dispatch is repeated (the relay after a lost acknowledgement)
    from soloops.payments.services import webhook_process

    webhook_process(webhook_id=WebhookEvent.objects.get().pk)
    process_webhooks()

    # then
    assert len(events("payment.captured")) == 1
    assert len(events("order.paid")) == 1


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda body: signed(body, secret="whsec_someone_else"), id="wrong-secret"),
        pytest.param(lambda body: signed(body + " "), id="body-changed-after-signing"),
        pytest.param(lambda body: f"t={int(time.time())}", id="no-v1"),
        pytest.param(lambda body: "v1=" + signature(body), id="no-timestamp"),
        pytest.param(lambda body: "garbage", id="garbage"),
        pytest.param(lambda body: "", id="empty"),
        pytest.param(lambda body: None, id="missing"),
        pytest.param(lambda body: signed(body).replace("v1=", "v0="), id="only-an-old-scheme"),
    ],
)
def test_bad_signature_is_400_and_nothing_is_stored(api, order, fake_stripe, client, header):
    # given
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))
    before = stored()

    # when
    response = post_webhook(client, body, header(body))

    # then
    check_error(response, 400, "invalid_signature", "Stripe-Signature")
    assert stored() == before
    assert Payment.objects.get().status == "pending"


def test_stale_timestamp_is_400(api, order, fake_stripe, client):
    # given a correctly signed event whose timestamp is more than 300 s old
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))
    before = stored()

    # when
    stale = post_webhook(client, body, signed(body, timestamp=int(time.time()) - 301))

    # then
    check_error(stale, 400, "invalid_signature", "Stripe-Signature")
    assert stored() == before

    # and one just inside the tolerance is accepted
    fresh = post_webhook(client, body, signed(body, timestamp=int(time.time()) - 280))
    assert fresh.status_code == 200


def test_a_timestamp_in_the_future_is_400_beyond_a_small_clock_skew(
    api, order, fake_stripe, client
):
    # given a correctly signed event stamped an hour ahead
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))
    before = stored()

    # when
    future = post_webhook(client, body, signed(body, timestamp=int(time.time()) + 3600))

    # then
    error = check_error(future, 400, "invalid_signature", "Stripe-Signature")
    assert "in the future" in error["message"]
    assert stored() == before

    # and a clock 30 s ahead of ours is still accepted
    skewed = post_webhook(client, body, signed(body, timestamp=int(time.time()) + 30))
    assert skewed.status_code == 200, skewed.content


@pytest.mark.parametrize("valid_first", [True, False])
def test_rotated_secrets_any_valid_v1_is_accepted(api, order, fake_stripe, client, valid_first):
    # given Stripe signs with the old and the new secret while the secret is rolled
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))
    t = int(time.time())
    ours = signature(body, WEBHOOK_SECRET, t)
    old = signature(body, "whsec_the_old_secret", t)
    v1s = [ours, old] if valid_first else [old, ours]

    # when
    response = post_webhook(client, body, f"t={t},v1={v1s[0]},v1={v1s[1]}")

    # then
    assert response.status_code == 200, response.content
    assert WebhookEvent.objects.count() == 1


def test_a_header_made_by_stripes_own_library_is_accepted(api, order, fake_stripe, client):
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    assert post_webhook(client, body, header).status_code == 200


def test_without_a_configured_secret_every_call_is_refused(client, db, settings):
    # given
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = stripe_event("payment_intent.succeeded", {"id": "pi_x"})

    # when
    response = post_webhook(client, body, signed(body))

    # then
    check_error(response, 503, "webhook_not_configured")
    assert stored() == (0, 0)


DEEP = '{"id": "evt_deep", "type": "x", "data": {"object": ' + "[" * 5000 + "]" * 5000 + "}}"


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "evt_1", "type": "x"}',
        "[1, 2]",
        "not json",
        '{"id": "", "type": "x", "data": {}}',
        pytest.param('{"id": "evt_\\u0000", "type": "x", "data": {"object": {}}}', id="nul-id"),
        pytest.param('{"id": "evt_1", "type": "x\\u0000", "data": {"object": {}}}', id="nul-type"),
        pytest.param('{"id": "evt_\\ud800", "type": "x", "data": {"object": {}}}', id="surrogate"),
        pytest.param(DEEP, id="nested-5000-deep"),
    ],
)
def test_a_signed_body_that_is_no_stripe_event_is_400(client, db, fake_stripe, body):
    response = post_webhook(client, body, signed(body))
    check_error(response, 400, "invalid_payload", "body")
    assert stored() == (0, 0)


def test_only_post_is_allowed(client, fake_stripe):
    assert client.get("/webhooks/stripe").status_code == 405


def test_payment_failed_webhook_fails_the_payment(api, order, fake_stripe, client):
    # given
    payment = start(api, order, fake_stripe)
    failed = intent(
        payment,
        "requires_payment_method",
        last_payment_error={"code": "card_declined", "message": "Your card was declined."},
    )
    body = stripe_event("payment_intent.payment_failed", failed)

    # when
    post_webhook(client, body, signed(body))
    process_webhooks()

    # then
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert payment.failure_reason == "Stripe: Your card was declined."
    assert events("payment.failed")[0].payload["order_number"] == order.number

    # and a success that arrives after it (the customer retried) still counts: money wins
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"), "evt_2")
    post_webhook(client, body, signed(body))
    process_webhooks()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("captured", "paid")


def test_authorized_intent_is_captured_through_the_api_with_our_key(
    api, order, fake_stripe, client
):
    # given Stripe says the money is held (manual capture)
    payment = start(api, order, fake_stripe)
    body = stripe_event(
        "payment_intent.amount_capturable_updated", intent(payment, "requires_capture")
    )
    post_webhook(client, body, signed(body))
    process_webhooks()
    payment.refresh_from_db()
    assert payment.status == "authorized"

    # when the owner captures it
    fake_stripe.responses.append((200, intent(payment, "succeeded")))
    response = api.post(f"/api/payments/{payment.pk}/capture")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "captured"
    call = fake_stripe.calls[-1]
    assert call["url"].endswith(f"/v1/payment_intents/{payment.provider_reference}/capture")
    assert call["headers"]["Idempotency-Key"] == f"soloops:{payment.uid}:capture"
    order.refresh_from_db()
    assert order.status == "paid"


def test_an_intent_for_another_amount_changes_nothing(api, order, fake_stripe, client):
    # given
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded", amount=1))

    # when
    post_webhook(client, body, signed(body))
    process_webhooks()

    # then it is marked processed, with the reason it did nothing
    hook = WebhookEvent.objects.get()
    assert hook.processed_at is not None
    assert "nothing recorded" in hook.error
    assert Payment.objects.get().status == "pending"


def test_unknown_types_and_payments_are_noted_and_ignored(api, order, fake_stripe, client):
    # given
    ignored = stripe_event("customer.created", {"id": "cus_1"}, "evt_a")
    unknown = stripe_event(
        "payment_intent.succeeded", {"id": "pi_unknown", "status": "succeeded"}, "evt_b"
    )

    # when
    for body in (ignored, unknown):
        assert post_webhook(client, body, signed(body)).status_code == 200
    process_webhooks()

    # then
    errors = dict(WebhookEvent.objects.values_list("event_id", "error"))
    assert errors["evt_a"].startswith("ignored:")
    assert errors["evt_b"] == "no payment for PaymentIntent pi_unknown"


def captured_by_stripe(api, order, fake_stripe, client) -> Payment:
    payment = start(api, order, fake_stripe)
    body = stripe_event("payment_intent.succeeded", intent(payment, "succeeded"), "evt_paid")
    post_webhook(client, body, signed(body))
    process_webhooks()
    payment.refresh_from_db()
    assert payment.status == "captured"
    return payment


def charge(payment, amount_refunded: int, refunds: list[dict] | None) -> dict:
    obj = {
        "id": "ch_3TestCharge0001",
        "object": "charge",
        "amount": int(payment.amount * 100),
        "amount_refunded": amount_refunded,
        "currency": payment.currency.lower(),
        "payment_intent": payment.provider_reference,
        "refunded": amount_refunded == int(payment.amount * 100),
    }
    if refunds is not None:
        obj["refunds"] = {"object": "list", "data": refunds}
    return obj


def stripe_refund(id: str, amount: int, metadata: dict | None = None) -> dict:
    return {
        "id": id,
        "object": "refund",
        "amount": amount,
        "currency": "eur",
        "status": "succeeded",
        "payment_intent": "pi_3TestIntent0001",
        "metadata": metadata or {},
        "reason": "requested_by_customer",
    }


def test_refunds_reported_by_stripe_are_recorded_once(api, order, fake_stripe, client):
    # given a payment captured by Stripe, partly refunded in Stripe's dashboard
    payment = captured_by_stripe(api, order, fake_stripe, client)
    outside = stripe_refund("re_outside", 500)
    body = stripe_event("charge.refunded", charge(payment, 500, [outside]), "evt_r1")

    # when
    post_webhook(client, body, signed(body))
    process_webhooks()

    # then
    payment.refresh_from_db()
    assert (payment.status, str(payment.amount_refunded)) == ("partially_refunded", "5.00")
    (recorded,) = Refund.objects.all()
    assert (recorded.provider_reference, recorded.status) == ("re_outside", "succeeded")
    (refunded,) = events("payment.refunded")
    assert refunded.payload["amount"] == "5.00"

    # when the owner refunds the rest through SoloOps
    rest = payment.amount - 5
    fake_stripe.responses.append((200, stripe_refund("re_ours", int(rest * 100))))
    ours = api.post(f"/api/payments/{payment.pk}/refunds", {"amount": str(rest), "reason": "x"})

    # then the request to Stripe carried the refund's own key, and it is recorded
    assert ours.json()["status"] == "succeeded"
    ours_row = Refund.objects.get(pk=ours.json()["id"])
    call = fake_stripe.calls[-1]
    assert call["url"].endswith("/v1/refunds")
    assert call["headers"]["Idempotency-Key"] == f"soloops:{ours_row.uid}:refund"
    assert call["params"]["metadata[soloops_refund]"] == [str(ours_row.uid)]

    # when Stripe's charge.refunded lists both refunds
    ours_stripe = stripe_refund("re_ours", int(rest * 100), {"soloops_refund": str(ours_row.uid)})
    both = charge(payment, int(payment.amount * 100), [ours_stripe, outside])
    body = stripe_event("charge.refunded", both, "evt_r2")
    post_webhook(client, body, signed(body))
    process_webhooks()

    # then nothing is counted twice
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("refunded", payment.amount)
    assert Refund.objects.count() == 2
    assert len(events("payment.refunded")) == 2


def test_refund_without_refund_objects_is_recorded_from_the_total(api, order, fake_stripe, client):
    # given (recent Stripe API versions leave charge.refunds out)
    payment = captured_by_stripe(api, order, fake_stripe, client)
    body = stripe_event("charge.refunded", charge(payment, 700, None), "evt_r1")

    # when it arrives twice under different event ids (two deliveries of the same state)
    post_webhook(client, body, signed(body))
    again = body.replace("evt_r1", "evt_r2")
    post_webhook(client, again, signed(again))
    process_webhooks()

    # then the 7.00 is recorded once
    payment.refresh_from_db()
    assert str(payment.amount_refunded) == "7.00"
    assert Refund.objects.get().reason == "refunded in Stripe"


def deliver(client, *bodies: str) -> None:
    for body in bodies:
        assert post_webhook(client, body, signed(body)).status_code == 200
    process_webhooks()


def test_a_refund_reported_by_total_then_by_id_counts_once(api, order, fake_stripe, client):
    # given a payment captured by Stripe
    payment = captured_by_stripe(api, order, fake_stripe, client)

    # when Stripe reports a 5.00 refund first as the charge's total, then as the refund itself
    by_total = stripe_event("charge.refunded", charge(payment, 500, None), "evt_total")
    by_id = stripe_event("refund.created", stripe_refund("re_dash", 500), "evt_refund")
    deliver(client, by_total)
    deliver(client, by_id)

    # then it is one refund of 5.00, known by Stripe's id, and one payment.refunded event
    payment.refresh_from_db()
    assert (payment.status, str(payment.amount_refunded)) == ("partially_refunded", "5.00")
    (refund,) = Refund.objects.all()
    assert (refund.provider_reference, str(refund.amount)) == ("re_dash", "5.00")
    assert len(events("payment.refunded")) == 1

    # and the same refund again, or the charge's total again, changes nothing
    again = stripe_event("refund.updated", stripe_refund("re_dash", 500), "evt_refund_2")
    total_again = stripe_event("charge.refunded", charge(payment, 500, None), "evt_total_2")
    deliver(client, again, total_again)
    payment.refresh_from_db()
    assert str(payment.amount_refunded) == "5.00"
    assert Refund.objects.count() == 1
    assert len(events("payment.refunded")) == 1


def test_a_total_covering_two_refunds_is_split_by_their_ids(api, order, fake_stripe, client):
    # given Stripe's total reports two dashboard refunds at once (5.00 and 3.00)
    payment = captured_by_stripe(api, order, fake_stripe, client)
    deliver(client, stripe_event("charge.refunded", charge(payment, 800, None), "evt_total"))

    # when each refund's own event arrives
    deliver(
        client,
        stripe_event("refund.created", stripe_refund("re_five", 500), "evt_a"),
        stripe_event("refund.created", stripe_refund("re_three", 300), "evt_b"),
    )

    # then the 8.00 is counted once and each refund carries its id and amount
    payment.refresh_from_db()
    assert str(payment.amount_refunded) == "8.00"
    assert sorted(Refund.objects.values_list("provider_reference", "amount")) == [
        ("re_five", Decimal("5.00")),
        ("re_three", Decimal("3.00")),
    ]
    assert len(events("payment.refunded")) == 1


def test_a_refund_reported_by_id_then_by_total_counts_once(api, order, fake_stripe, client):
    # given (the reverse order)
    payment = captured_by_stripe(api, order, fake_stripe, client)

    # when
    deliver(client, stripe_event("refund.created", stripe_refund("re_dash", 500), "evt_refund"))
    deliver(client, stripe_event("charge.refunded", charge(payment, 500, None), "evt_total"))

    # then
    payment.refresh_from_db()
    assert str(payment.amount_refunded) == "5.00"
    assert Refund.objects.get().provider_reference == "re_dash"
    assert len(events("payment.refunded")) == 1


def test_a_total_below_what_we_counted_is_noted(api, order, fake_stripe, client):
    # given a 5.00 refund known by its id
    payment = captured_by_stripe(api, order, fake_stripe, client)
    deliver(client, stripe_event("refund.created", stripe_refund("re_dash", 500), "evt_refund"))

    # when Stripe's total says less was refunded
    deliver(client, stripe_event("charge.refunded", charge(payment, 300, None), "evt_total"))

    # then nothing changes and the webhook says why
    payment.refresh_from_db()
    assert str(payment.amount_refunded) == "5.00"
    note = WebhookEvent.objects.get(event_id="evt_total").error
    assert "Stripe reports 3.00 refunded" in note and "SoloOps counts 5.00" in note


def test_our_refund_confirmed_by_webhook_before_we_recorded_it(api, order, fake_stripe, client):
    # given a refund whose Stripe call timed out: it is pending
    payment = captured_by_stripe(api, order, fake_stripe, client)
    fake_stripe.responses.append(stripe.APIConnectionError("network is down"))
    lost = api.post(f"/api/payments/{payment.pk}/refunds", {"amount": "3.00", "reason": "x"})
    check_error(lost, 502, "provider_unavailable")
    pending = Refund.objects.get()

    # when Stripe's webhook reports it succeeded
    done = stripe_refund("re_late", 300, {"soloops_refund": str(pending.uid)})
    body = stripe_event("refund.updated", done, "evt_late")
    post_webhook(client, body, signed(body))
    process_webhooks()

    # then it is our refund that succeeded, recorded once
    pending.refresh_from_db()
    payment.refresh_from_db()
    assert (pending.status, pending.provider_reference) == ("succeeded", "re_late")
    assert str(payment.amount_refunded) == "3.00"
    assert Refund.objects.count() == 1


def test_webhook_payload_is_stored_exactly_as_received(api, order, fake_stripe, client):
    payment = start(api, order, fake_stripe)
    body = json.dumps(
        json.loads(stripe_event("payment_intent.succeeded", intent(payment, "succeeded"))),
        separators=(",", ":"),
        ensure_ascii=False,
    )
    post_webhook(client, body, signed(body))
    assert WebhookEvent.objects.get().payload == body


def test_cancelling_a_stripe_payment_cancels_its_intent(api, order, fake_stripe):
    # given an intent the customer never confirmed
    payment = start(api, order, fake_stripe)
    fake_stripe.responses.append(
        (200, intent(payment, "canceled", cancellation_reason="abandoned"))
    )

    # when
    response = api.post(f"/api/payments/{payment.pk}/cancel", {"reason": "customer left"})

    # then
    assert response.json()["status"] == "failed"
    call = fake_stripe.calls[-1]
    assert call["url"].endswith(f"/v1/payment_intents/{payment.provider_reference}/cancel")
    assert call["headers"]["Idempotency-Key"] == f"soloops:{payment.uid}:void"
