"""Customer tags: the ``customer.tag`` flow action and its service. A flow tags returning
customers through the real worker; tagging twice changes nothing; bad tags change nothing."""

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.automation.flows.dryrun import dry_run
from soloops.automation.models import Event, FlowRun, RunStatus
from soloops.automation.services import flow_import
from soloops.customers.models import Customer
from soloops.customers.services import customer_tag
from soloops.errors import InvalidInput
from soloops.inventory.models import Location
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import LineDraft, OrderDraft, order_place
from tests.factories import ADDRESS, make_variant

SYSTEM = Actor.system("test")

TAG_RETURNING = """\
name: Tag returning customers
trigger: {event: order.placed}
if: customer.orders_count >= 2
steps:
  - do: customer.tag
    with: {customer: "{{ customer.email }}", tag: returning}
"""


@pytest.fixture
def shop(db):
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"max_orders_per_email": 1_000_000, "max_orders_per_ip": 1_000_000}
    )
    make_variant("MUG-1", price="12.50", stock=100)


def place(email: str = "ada@example.com"):
    order, _ = order_place(
        draft=OrderDraft(
            email=email,
            name="Ada",
            lines=[LineDraft(sku="MUG-1", quantity=1)],
            shipping_address=ADDRESS,
        ),
        channel="manual",
        actor=SYSTEM,
    )
    return order


def tag_events(type: str = "customer.tagged") -> list[dict]:
    return list(Event.objects.filter(type=type).values_list("payload", flat=True))


def test_a_flow_tags_a_customer_on_their_second_order_once(transactional_db, shop, run_tasks):
    # given the flow, published, and a customer's first order
    flow_import(source=TAG_RETURNING, actor=SYSTEM)
    place()
    run_tasks()
    assert Customer.objects.get().tags == []

    # when they order again, and a third time, and the worker runs the flows
    place()
    run_tasks()
    place()
    run_tasks()

    # then they carry the tag, given once (the third run found it there and changed nothing)
    assert Customer.objects.get().tags == ["returning"]
    assert tag_events() == [{"email": "ada@example.com", "tag": "returning", "tags": ["returning"]}]
    runs = FlowRun.objects.order_by("id")
    assert [r.status for r in runs] == [RunStatus.COMPLETED, RunStatus.COMPLETED]
    outputs = [r.steps.get().output for r in runs]
    assert [o["changed"] for o in outputs] == [True, False]


def test_a_dry_run_says_whom_it_would_tag_and_tags_nobody(shop):
    # given a returning customer's order event
    place()
    place()
    event = Event.objects.filter(type="order.placed").last()
    version = flow_import(source=TAG_RETURNING, actor=SYSTEM).published_version

    # when the flow is dry-run against it
    report = dry_run(document=version.document, event=event, actor=SYSTEM)

    # then it would tag them, and nothing changed
    assert report["triggered"] is True
    (step,) = report["steps"]
    assert step["would"] == "tag customer ada@example.com 'returning'"
    assert Customer.objects.get().tags == []
    assert tag_events() == []


def test_tags_are_kept_sorted_and_removed_with_their_events(shop):
    customer = place().customer

    assert customer_tag(customer=customer, tag=" VIP ", actor=SYSTEM) is True
    assert customer_tag(customer=customer, tag="b2b", actor=SYSTEM) is True
    assert customer_tag(customer=customer, tag="vip", actor=SYSTEM) is False
    assert customer_tag(customer=customer, tag="b2b", actor=SYSTEM, remove=True) is True
    assert customer_tag(customer=customer, tag="b2b", actor=SYSTEM, remove=True) is False

    customer.refresh_from_db()
    assert customer.tags == ["vip"]
    assert [p["tags"] for p in tag_events()] == [["vip"], ["b2b", "vip"]]
    assert [p["tags"] for p in tag_events("customer.untagged")] == [["vip"]]


@pytest.mark.parametrize("bad", ["", "  ", "-vip", "two words", "x" * 41, "vip!"])
def test_a_bad_tag_names_the_field_and_changes_nothing(shop, bad):
    customer = place().customer

    with pytest.raises(InvalidInput) as raised, transaction.atomic():
        customer_tag(customer=customer, tag=bad, actor=SYSTEM)

    assert raised.value.field == "tag"
    customer.refresh_from_db()
    assert customer.tags == []
    assert tag_events() == []
