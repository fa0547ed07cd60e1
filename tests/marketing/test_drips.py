"""The drip flows ship switched off; switched on, they mail customers who opted in, once."""

from django.core import mail
from django.db import transaction

from soloops.automation.models import Flow
from soloops.automation.services import flow_set_enabled, flows_install_defaults
from soloops.customers.models import Customer
from soloops.customers.services import customer_consent_set
from soloops.marketing.models import Suppression
from tests.marketing.conftest import SYSTEM, customer


def welcome_subjects() -> list[tuple[str, str]]:
    return [
        (m.to[0], m.subject) for m in mail.outbox if "elcome" in m.subject or "欢迎" in m.subject
    ]


def test_the_welcome_drip_is_off_until_switched_on_then_welcomes_once(run_after_commit):
    # given the default flows, installed as init does
    flows_install_defaults(actor=SYSTEM)
    run_after_commit()
    welcome = Flow.objects.get(key="drip-welcome")
    assert not welcome.enabled

    # when a customer opts in while it is off: nothing
    customer("early@example.com")
    run_after_commit()
    assert welcome_subjects() == []

    # when the owner switches it on and customers opt in (one in Chinese, one not at all)
    flow_set_enabled(flow=welcome, enabled=True, actor=SYSTEM)
    customer("ada@example.com", name="Ada")
    customer("bo@example.com", name="Bo", language="zh-hans")
    customer("no@example.com", consent=False)
    run_after_commit()

    # then each who opted in is welcomed in their language, with an unsubscribe header
    assert sorted(welcome_subjects()) == [
        ("ada@example.com", "Welcome, Ada"),
        ("bo@example.com", "欢迎您，Bo"),  # noqa: RUF001
    ]
    message = next(m for m in mail.outbox if m.to == ["ada@example.com"])
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # when Ada withdraws and gives consent again: no second welcome
    mail.outbox.clear()
    ada = Customer.objects.get(email="ada@example.com")
    with transaction.atomic():
        customer_consent_set(customer=ada, consent=False, source="console", actor=SYSTEM)
    with transaction.atomic():
        customer_consent_set(customer=ada, consent=True, source="storefront", actor=SYSTEM)
    run_after_commit()
    assert welcome_subjects() == []


def test_a_drip_step_to_a_suppressed_customer_sends_nothing_and_says_why(run_after_commit):
    from soloops.marketing.services import drip_send

    # given a customer who consented but whose address bounced
    person = customer("ada@example.com")
    with transaction.atomic():
        Suppression.objects.create(email=person.email, reason="bounced")

    # when a drip runs for them
    done = drip_send(email=person.email, drip="win-back", texts={"en": ("Hi", "x")}, actor=SYSTEM)
    run_after_commit()

    # then
    assert done == {"skipped": "suppressed (bounced)", "customer": "ada@example.com"}
    assert mail.outbox == []
