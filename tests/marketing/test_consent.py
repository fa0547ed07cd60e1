"""No marketing email reaches anyone without consent or on the suppression list, whatever
happened before (a property over random consent histories); transactional email is unaffected;
the one-click unsubscribe works with a POST and no login."""

import base64
import itertools

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soloops.customers.models import Customer
from soloops.customers.services import customer_consent_set
from soloops.emails.models import EmailSend, SendStatus
from soloops.emails.services import email_enqueue
from soloops.marketing.models import Suppression
from soloops.marketing.services import drip_send, suppression_add
from soloops.marketing.tokens import unsubscribe_token
from tests.marketing.conftest import SYSTEM, customer

TEXTS = {"en": ("News", "Hello"), "zh-hans": ("新闻", "你好")}
SOURCES = ["storefront", "import", "api", "console"]
_example = itertools.count()

step = st.one_of(
    st.tuples(st.just("consent"), st.integers(0, 2), st.booleans(), st.sampled_from(SOURCES)),
    st.tuples(st.just("unsubscribe"), st.integers(0, 2)),
    st.tuples(st.just("bounce"), st.integers(0, 2)),
    st.tuples(st.just("complain"), st.integers(0, 2)),
    st.tuples(st.just("drip"), st.integers(0, 2)),
    st.tuples(st.just("direct"), st.integers(0, 2)),  # around the marketing app's own check
)


def _direct(person: Customer, n: int) -> None:
    """A marketing email queued straight into the emails pipeline, skipping every check the
    marketing app makes before queueing: the guard at send time must still hold."""
    with transaction.atomic():
        email_enqueue(
            to=person.email,
            template="marketing_message",
            context={
                "customer": {"name": person.name},
                "subject": "Direct",
                "body": "x",
                "unsubscribe_url": "https://shop.example.com/u/",
            },
            language="en",
            idempotency_key=f"direct:{person.email}:{n}",
            subject=("customers.customer", str(person.pk)),
            actor=SYSTEM,
        )


def _apply(op, people, n) -> None:
    kind, i = op[0], op[1]
    person = Customer.objects.get(pk=people[i].pk)
    if kind == "consent":
        with transaction.atomic():
            customer_consent_set(customer=person, consent=op[2], source=op[3], actor=SYSTEM)
    elif kind == "unsubscribe":
        from django.test import Client

        token = unsubscribe_token(email=person.email)
        assert Client().post(f"/shop/unsubscribe/{token}/").status_code == 200
    elif kind in ("bounce", "complain"):
        reason = "bounced" if kind == "bounce" else "complained"
        with transaction.atomic():
            suppression_add(email=person.email, reason=reason, actor=SYSTEM)
    elif kind == "drip":
        drip_send(email=person.email, drip="news", texts=TEXTS, actor=SYSTEM, once_per=str(n))
    else:
        _direct(person, n)


def _may_get_marketing(email: str) -> bool:
    person = Customer.objects.get(email=email)
    return person.marketing_consent and not Suppression.objects.filter(email=email).exists()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(step, min_size=1, max_size=12))
def test_no_marketing_mail_without_consent_or_when_suppressed(run_after_commit, history):
    # given three customers, some with consent (fresh addresses for each example)
    example = next(_example)
    people = [
        customer(f"p{i}-{example}@example.com", consent=i != 1, name=f"P{i}") for i in range(3)
    ]
    mail.outbox.clear()

    for n, op in enumerate(history):
        # when anything in the history happens and the worker sends what was queued
        allowed_before = {p.email: _may_get_marketing(p.email) for p in people}
        _apply(op, people, n)
        run_after_commit()
        sent_now = [m for m in mail.outbox if m.subject in ("News", "Direct")]
        mail.outbox.clear()

        # then every marketing email that went out went to someone who may get it, right then
        for message in sent_now:
            (to,) = message.to
            assert allowed_before[to] and _may_get_marketing(to), (op, to)
        # and a drip to someone who may get marketing mail is not lost
        if op[0] == "drip" and allowed_before[people[op[1]].email]:
            assert len(sent_now) == 1, op

    # and every marketing email stopped at the last check says why
    for send in EmailSend.objects.filter(
        template="marketing_message", to__in=[p.email for p in people]
    ):
        if send.status == SendStatus.GAVE_UP:
            assert send.last_error.startswith("not sent:")


def test_transactional_email_reaches_a_suppressed_customer(run_after_commit):
    # given a customer who unsubscribed from marketing
    person = customer("ada@example.com")
    with transaction.atomic():
        suppression_add(email=person.email, reason="unsubscribed", actor=SYSTEM)
    mail.outbox.clear()

    # when the shop sends them an order email
    with transaction.atomic():
        email_enqueue(
            to=person.email,
            template="order_cancelled",
            context={"order": {"number": "SO-1", "lines": []}, "customer": {"name": "Ada"}},
            language="en",
            idempotency_key="order-cancelled:1",
            subject=("orders.order", "1"),
            actor=SYSTEM,
        )
    run_after_commit()

    # then it goes out, with no unsubscribe header (it is not marketing)
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "List-Unsubscribe" not in message.extra_headers


@pytest.mark.django_db
def test_one_click_unsubscribe_is_a_post_without_login(client, run_after_commit):
    # given a customer who consented, and the link from their email (no one is logged in)
    person = customer("ada@example.com")
    token = unsubscribe_token(email=person.email, campaign_id=None)

    # when their mail provider POSTs the RFC 8058 body to the List-Unsubscribe address
    response = client.post(
        f"/shop/unsubscribe/{token}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    # then they are unsubscribed: suppressed, consent withdrawn with its time and source
    assert response.status_code == 200
    assert Suppression.objects.get(email=person.email).reason == "unsubscribed"
    person.refresh_from_db()
    assert person.marketing_consent is False
    assert person.consent_source == "unsubscribe" and person.consent_at is not None
    # and a second POST (providers retry) changes nothing and still answers 200
    assert client.post(f"/shop/unsubscribe/{token}/").status_code == 200
    assert Suppression.objects.filter(email=person.email).count() == 1


@pytest.mark.django_db
def test_the_unsubscribe_link_shows_a_button_and_a_forged_token_is_a_404(client):
    # given a customer with consent
    person = customer("ada@example.com")
    token = unsubscribe_token(email=person.email)

    # when the link is opened (a mail scanner follows links too)
    page = client.get(f"/shop/unsubscribe/{token}/")

    # then it asks, and changes nothing yet
    assert page.status_code == 200 and b"ada@example.com" in page.content
    assert not Suppression.objects.exists()
    # and a token for another address made up by someone is refused
    _payload, stamp, signature = token.split(":")
    other = base64.urlsafe_b64encode(b'{"e":"bob@example.com","c":null}').rstrip(b"=").decode()
    forged = f"{other}:{stamp}:{signature}"
    assert client.post(f"/shop/unsubscribe/{forged}/").status_code == 404
    assert client.post("/shop/unsubscribe/not-a-token/").status_code == 404
    assert not Suppression.objects.exists()


def test_opting_in_again_lifts_an_unsubscribe_but_an_import_or_a_bounce_does_not(
    run_after_commit,
):
    # given three customers who unsubscribed, and one whose address bounced
    people = {e: customer(f"{e}@example.com") for e in ("shop", "imp", "api", "bounce")}
    for name in ("shop", "imp", "api"):
        with transaction.atomic():
            suppression_add(email=people[name].email, reason="unsubscribed", actor=SYSTEM)
            customer_consent_set(
                customer=people[name], consent=False, source="unsubscribe", actor=SYSTEM
            )
    with transaction.atomic():
        suppression_add(email="bounce@example.com", reason="bounced", actor=SYSTEM)
        customer_consent_set(
            customer=people["bounce"], consent=False, source="console", actor=SYSTEM
        )
    run_after_commit()

    # when each gives consent again: at checkout, through an import, by the API, by the API
    for name, source in (("shop", "storefront"), ("imp", "import"), ("api", "api"),
                         ("bounce", "api")):  # fmt: skip
        with transaction.atomic():
            person = Customer.objects.get(pk=people[name].pk)
            customer_consent_set(customer=person, consent=True, source=source, actor=SYSTEM)
    run_after_commit()

    # then the checkout and the API lift the unsubscribe; the import and the bounce stay
    assert sorted(Suppression.objects.values_list("email", "reason")) == [
        ("bounce@example.com", "bounced"),
        ("imp@example.com", "unsubscribed"),
    ]
