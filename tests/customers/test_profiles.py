"""Customer profiles: totals follow the orders (through the real event dispatch), merging keeps
every order, erasure leaves no personal data but keeps the money, the export holds it all."""

import json
from decimal import Decimal

import pytest
from django.db import transaction

from soloops.automation.models import Event
from soloops.customers.models import Customer, CustomerNote
from soloops.customers.selectors import CustomerFilters, customer_export_data, customers_list
from soloops.customers.services import (
    customer_consent_set,
    customer_create,
    customer_erase,
    customer_export,
    customer_merge,
    customer_note_add,
    customer_stats_refresh,
    customer_tag,
    customer_update,
)
from soloops.emails.models import EmailSend
from soloops.errors import Conflict, InvalidInput
from soloops.orders.models import Order
from soloops.orders.services import order_cancel
from tests.customers.conftest import SYSTEM, place


def events(type_: str) -> list[dict]:
    return list(Event.objects.filter(type=type_).order_by("id").values_list("payload", flat=True))


def test_totals_follow_orders_through_the_worker(transactional_db, shop, run_tasks):
    # given two orders, then one cancelled
    first = place("ada@example.com", ("MUG-1", 2))
    second = place("ada@example.com", ("TEA-1", 1))
    run_tasks()
    ada = Customer.objects.get(email="ada@example.com")
    assert (ada.orders_count, ada.total_spent) == (2, first.total + second.total)

    # when the first order is cancelled and the worker runs the handlers
    order_cancel(order=first, actor=SYSTEM, reason="asked")
    run_tasks()

    # then it no longer counts
    ada.refresh_from_db()
    assert (ada.orders_count, ada.total_spent) == (1, second.total)
    assert ada.last_order_at == ada.first_order_at == second.placed_at


def test_merge_keeps_every_order_note_and_tag_and_redirects(shop):
    # given one person under two emails, each with orders, a note and a tag
    a1, a2 = place("ada@home.example"), place("ada@home.example", ("TEA-1", 3))
    b1 = place("ada@work.example")
    home = Customer.objects.get(email="ada@home.example")
    work = Customer.objects.get(email="ada@work.example")
    customer_note_add(customer=work, text="Prefers gift wrap", actor=SYSTEM)
    customer_tag(customer=work, tag="b2b", actor=SYSTEM)
    customer_tag(customer=home, tag="vip", actor=SYSTEM)

    # when the work record is merged into the home one
    kept = customer_merge(source=work, target=home, actor=SYSTEM, confirm="ada@work.example")

    # then every order, the note and both tags are the home record's; the work one points at it
    assert set(Order.objects.filter(customer=home).values_list("pk", flat=True)) == {
        a1.pk,
        a2.pk,
        b1.pk,
    }
    assert kept.orders_count == 3
    assert kept.total_spent == a1.total + a2.total + b1.total
    assert kept.tags == ["b2b", "vip"]
    assert CustomerNote.objects.get().customer_id == home.pk
    work.refresh_from_db()
    assert work.merged_into_id == home.pk
    (merged,) = events("customer.merged")
    assert merged["merged_email"] == "ada@work.example"
    assert merged["moved"] == {"notes": 1, "orders": 1}
    # the merged-away record is out of the list, and a new order from its email lands on home
    assert list(customers_list(CustomerFilters())) == [home]
    assert place("ada@work.example").customer_id == home.pk


def test_merge_needs_the_typed_email_and_refuses_itself(shop):
    place("ada@example.com")
    place("bob@example.com")
    ada, bob = Customer.objects.order_by("email")

    with pytest.raises(InvalidInput) as wrong, transaction.atomic():
        customer_merge(source=ada, target=bob, actor=SYSTEM, confirm="bob@example.com")
    with pytest.raises(InvalidInput) as itself, transaction.atomic():
        customer_merge(source=ada, target=ada, actor=SYSTEM, confirm="ada@example.com")

    assert (wrong.value.field, itself.value.field) == ("confirm", "into")
    assert Order.objects.filter(customer=ada).count() == 1
    assert events("customer.merged") == []


def test_erase_leaves_no_personal_data_but_keeps_the_totals(shop):
    # given a customer with orders, a note, a phone, consent and an email sent
    order = place("ada@example.com", ("MUG-1", 2), note="Ring the bell, Ada")
    place("ada@example.com")
    ada = Customer.objects.get()
    customer_update(customer=ada, actor=SYSTEM, changes={"phone": "+44 20 7946 0000"})
    customer_note_add(customer=ada, text="Ada likes blue", actor=SYSTEM)
    customer_consent_set(customer=ada, consent=True, source="console", actor=SYSTEM)
    customer_stats_refresh(customer_ids=[ada.pk])
    ada.refresh_from_db()
    spent, count = ada.total_spent, ada.orders_count
    order_totals = sorted(Order.objects.values_list("total", flat=True))

    # when the owner erases her
    customer_erase(customer=ada, actor=SYSTEM, confirm="ada@example.com")

    # then nothing of hers is left in customers, orders, emails or the event log...
    ada.refresh_from_db()
    rows = json.dumps(
        [
            list(Customer.objects.values()),
            list(Order.objects.values("email", "shipping_address", "billing_address", "note")),
            list(EmailSend.objects.values("to", "body_text")),
            list(CustomerNote.objects.values()),
            list(Event.objects.values_list("payload", flat=True)),
        ],
        default=str,
    )
    for personal in ("ada@example.com", "Ada", "Lovelace", "Analytical", "7946", "bell", "blue"):
        assert personal not in rows
    assert ada.marketing_consent is False
    # ...and the money stays for the books
    assert sorted(Order.objects.values_list("total", flat=True)) == order_totals
    assert Order.objects.filter(customer=ada).count() == 2
    assert (ada.total_spent, ada.orders_count) == (spent, count)
    assert order.lines.count() == 1
    (erased,) = events("customer.erased")
    assert "ada@example.com" not in json.dumps(erased)
    # and an erased record changes no more
    with pytest.raises(Conflict), transaction.atomic():
        customer_update(customer=ada, actor=SYSTEM, changes={"name": "Ada"})


def test_export_holds_profile_notes_orders_and_events_with_an_event(shop):
    order = place("ada@example.com", ("TEA-1", 2))
    ada = Customer.objects.get()
    customer_note_add(customer=ada, text="Called about tea", actor=SYSTEM)

    data = customer_export(customer=ada, actor=SYSTEM, confirm="ADA@example.com ")

    assert data["customer"]["email"] == "ada@example.com"
    assert data["customer"]["shipping_address"]["city"] == "London"
    assert [n["text"] for n in data["notes"]] == ["Called about tea"]
    (exported_order,) = data["orders"]
    assert exported_order["number"] == order.number
    assert exported_order["lines"][0]["sku"] == "TEA-1"
    assert "customer.created" in [e["type"] for e in data["events"]]
    json.dumps(data)  # JSON-ready as it is
    assert events("customer.exported") == [
        {"customer_id": ada.pk, "sections": sorted(customer_export_data(customer=ada))}
    ]


def test_consent_keeps_time_and_source_and_a_repeat_changes_nothing(shop):
    ada = customer_create(email="Ada@Example.com", actor=SYSTEM, name="Ada")
    assert ada.email == "ada@example.com"
    assert ada.marketing_consent is False

    assert customer_consent_set(customer=ada, consent=True, source="storefront", actor=SYSTEM)
    assert not customer_consent_set(customer=ada, consent=True, source="api", actor=SYSTEM)
    ada.refresh_from_db()
    assert (ada.marketing_consent, ada.consent_source) == (True, "storefront")
    assert ada.consent_at is not None
    assert events("customer.consent_changed") == [
        {"email": "ada@example.com", "consent": True, "source": "storefront"}
    ]
    with pytest.raises(Conflict), transaction.atomic():
        customer_create(email="ada@example.com", actor=SYSTEM)


def test_the_list_searches_and_filters(shop):
    # given three customers with different histories
    order = place("ada@example.com", ("MUG-1", 10))
    place("bob@example.com", ("TEA-1", 1))
    customer_create(email="cy@example.com", actor=SYSTEM, name="Cy", phone="+86 138 0000 1111")
    customer_stats_refresh()
    bob = Customer.objects.get(email="bob@example.com")
    customer_tag(customer=bob, tag="wholesale", actor=SYSTEM)

    def emails(**filters) -> list[str]:
        return [c.email for c in customers_list(CustomerFilters(**filters))]

    # then
    assert emails(q=order.number) == ["ada@example.com"]
    assert emails(q="bo") == ["bob@example.com"]
    assert emails(q="1380000") == [] and emails(q="138 0000") == ["cy@example.com"]
    assert emails(tag="wholesale") == ["bob@example.com"]
    assert emails(tag="whole") == []
    assert emails(min_spent=Decimal("100")) == ["ada@example.com"]
    assert emails(max_spent=Decimal("0")) == ["cy@example.com"]
    assert set(emails(last_order_from=order.placed_at.date())) == {
        "ada@example.com",
        "bob@example.com",
    }
    assert emails()[-1] == "cy@example.com"  # never ordered: last
