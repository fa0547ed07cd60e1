"""One order through the whole shop, over HTTP as a client would, with the real worker loop and
the default flows ``soloops init`` installs: placed → accepted → paid (sandbox card) → shipment
created by the default flow → shipped → delivered, and the events, ledger movements and
customer emails (themselves default flows) each step should leave. Runs on SQLite and
PostgreSQL."""

import json

from django.core import mail
from django.core.cache import cache
from django.test import Client

from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.emails.models import EmailSend
from soloops.inventory.models import Location, Movement, StockLevel
from soloops.inventory.selectors import ledger_mismatches
from soloops.orders.models import ReviewPolicy
from tests.factories import ADDRESS, SYSTEM, make_variant


def api(client: Client, token: str, method: str, path: str, body: dict | None = None):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "get":
        response = client.get(path, **auth)
    else:
        response = client.post(
            path, data=json.dumps(body or {}), content_type="application/json", **auth
        )
    assert response.status_code < 300, (path, response.status_code, response.content[:500])
    return response.json()


def test_an_order_goes_from_placed_to_delivered(transactional_db, run_tasks, default_flows):
    # given a shop with one mug, an owner's write token, a review that accepts and the
    # default flows
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(pk=1, defaults={"hold_at_score": 1000})
    cache.clear()
    mug = make_variant("MUG-1", price="12.50", stock=10)
    owner = user_create(
        username="olivia",
        email="olivia@example.com",
        password="correct horse battery 42",
        role="owner",
        actor=SYSTEM,
    )
    token = token_create(user=owner, name="e2e", scope="write", actor=SYSTEM).secret
    client = Client()

    # and the owner changed the default shipment flow's carrier to the sandbox (labels with
    # tracking numbers), as its description suggests
    exported = client.get(
        "/api/flows/create-shipment-when-paid/export", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert exported.status_code == 200
    source = exported.content.decode().replace("carrier: manual", "carrier: sandbox")
    assert "carrier: sandbox" in source
    api(
        client,
        token,
        "post",
        "/api/flows/import",
        {"source": source, "key": "create-shipment-when-paid"},
    )

    # when a customer's order comes in through the API
    order = api(
        client,
        token,
        "post",
        "/api/orders",
        {
            "email": "ada@example.com",
            "name": "Ada",
            "lines": [{"sku": "MUG-1", "quantity": 2}],
            "shipping_address": ADDRESS,
        },
    )
    number = order["number"]
    run_tasks()

    # then it is accepted with two mugs reserved, and the confirmation email went out
    assert order["status"] == "accepted"
    stock = StockLevel.objects.get(variant=mug)
    assert (stock.on_hand, stock.reserved) == (10, 2)
    assert [m.subject for m in mail.outbox] == [f"Order {number} confirmed: thank you!"]

    # when it is paid with the sandbox's succeeding test card
    payment = api(
        client,
        token,
        "post",
        f"/api/orders/{number}/payments",
        {"provider": "sandbox", "card_number": "4242 4242 4242 4242"},
    )
    run_tasks()

    # then the payment is captured, the order paid, the payment email sent, and the default
    # flow put everything in a sandbox shipment with its label (the order is fulfilling)
    assert payment["status"] == "captured"
    assert len(mail.outbox) == 2
    assert api(client, token, "get", f"/api/orders/{number}")["status"] == "fulfilling"
    (shipment,) = api(client, token, "get", "/api/shipments?status=created")["items"]
    assert (shipment["order_number"], shipment["carrier"]) == (number, "sandbox")
    assert shipment["has_label"] and shipment["tracking_number"]

    # when the owner ships it, and the parcel arrives
    api(client, token, "post", f"/api/shipments/{shipment['number']}/ship")
    run_tasks()
    api(client, token, "post", f"/api/shipments/{shipment['number']}/deliver")
    run_tasks()

    # then the order is delivered; the reservation became one sale of two mugs
    detail = api(client, token, "get", f"/api/orders/{number}")
    assert detail["status"] == "delivered"
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (8, 0)
    sale = Movement.objects.get(variant=mug, kind="sale")
    assert (sale.quantity, sale.balance_after) == (-2, 8)
    assert ledger_mismatches() == []

    # and exactly one event per transition, in order, on the order's timeline
    transitions = [e["type"] for e in detail["timeline"]]
    assert transitions == [
        "order.placed",
        "order.accepted",
        "order.paid",
        "order.fulfilling",
        "order.shipped",
        "order.delivered",
    ]
    assert Event.objects.filter(type="shipment.shipped").count() == 1
    assert Event.objects.filter(type="payment.captured").count() == 1

    # and the customer got each email once: confirmed, paid, shipped (with tracking), delivered
    templates = list(EmailSend.objects.order_by("id").values_list("template", flat=True))
    assert templates == ["order_confirmation", "order_paid", "order_shipped", "order_delivered"]
    assert all(m.to == ["ada@example.com"] for m in mail.outbox)
    assert len(mail.outbox) == 4
    assert shipment["tracking_number"] in mail.outbox[2].body

    # and every default flow that acted finished (the follow-up waits its week); none failed
    assert api(client, token, "get", "/api/runs?status=failed")["count"] == 0
    (follow_up,) = api(client, token, "get", "/api/runs?flow=follow-up-after-delivery")["items"]
    assert follow_up["status"] == "waiting"
