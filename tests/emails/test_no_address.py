"""A customer known only by an external id (a reserved ``customers.invalid`` address) is never
emailed — transactional or marketing, queued by any app: ``email_send`` refuses every
``.invalid`` address before it contacts the mail server."""

import pytest

from soloops.customers.services import (
    Person,
    customer_consent_set,
    customers_resolve,
)
from soloops.emails.models import EmailSend, SendStatus
from tests.emails.conftest import SYSTEM, event_types, queue

MARKETING = {
    "template": "marketing_message",
    "context": {
        "subject": "New mugs",
        "body": "Rust and moss.",
        "unsubscribe_url": "https://shop.example.com/shop/unsubscribe/x/",
    },
}
TRANSACTIONAL = {
    "template": "owner_notification",
    "context": {"subject": "Your order", "body": "On its way."},
}


@pytest.mark.parametrize("kind", [TRANSACTIONAL, MARKETING], ids=["transactional", "marketing"])
def test_a_customer_known_only_by_an_external_id_is_never_emailed(
    transactional_db, run_tasks, smtp, kind
):
    # given a customer from a history file with only an id, who even opted in to marketing
    (customer,) = customers_resolve(people=[Person(external_id="SH-1001")], actor=SYSTEM)
    customer_consent_set(customer=customer, consent=True, source="import", actor=SYSTEM)

    # when an email to them is queued, as any app would, and the worker runs
    queue(to=customer.email, idempotency_key="to-id-only", **kind)
    run_tasks()

    # then the mail server got nothing, and the send says why, for good
    assert smtp.messages == []
    send = EmailSend.objects.get()
    assert send.status == SendStatus.GAVE_UP
    assert "reserved .invalid address" in send.last_error
    assert event_types() == ["email.queued", "email.gave_up"]


def test_the_same_email_to_a_real_address_goes_out(transactional_db, run_tasks, smtp):
    # the counterpart: the refusal is about the address, not the email
    (customer,) = customers_resolve(
        people=[Person(email="ada@example.com", external_id="SH-1002")], actor=SYSTEM
    )
    queue(to=customer.email, idempotency_key="to-ada", **TRANSACTIONAL)
    run_tasks()
    assert len(smtp.messages) == 1
    assert EmailSend.objects.get().status == SendStatus.SENT
