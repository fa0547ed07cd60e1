"""The orders section: the list (filters, search, pages, bulk accept, packing slips), one
order with everything about it, and the actions on it, through the test client."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soloops.accounts.actors import Actor, ActorKind
from soloops.automation.mail_actions import order_context
from soloops.automation.models import Event
from soloops.emails.services import email_enqueue
from soloops.events.services import event_emit
from soloops.fulfillment.services import shipment_create, shipment_ship
from soloops.orders.models import Order, OrderStatus, ReviewPolicy
from soloops.orders.services import (
    LineDraft,
    OrderDraft,
    order_hold,
    order_mark_delivered,
    order_mark_paid,
    order_mark_shipped,
    order_place,
    order_reject,
    order_start_fulfilling,
)
from soloops.payments.models import Payment
from soloops.payments.services import payment_start
from tests.factories import ADDRESS, make_variant

SYSTEM = Actor.system("test")
STOREFRONT = Actor.system("storefront")
PERMISSIVE = {
    "hold_at_score": 10_000,
    "reject_at_score": 20_000,
    "max_orders_per_email": 1_000_000,
    "max_orders_per_ip": 1_000_000,
}
HOLD_ALL = {**PERMISSIVE, "hold_at_score": 0}


def set_policy(**fields) -> None:
    ReviewPolicy.objects.update_or_create(pk=1, defaults=fields)
    cache.clear()  # intake caches the policy for a few seconds


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(db):
    set_policy(**PERMISSIVE)
    return {
        "MUG-1": make_variant("MUG-1", price="12.50", stock=1000),
        "POSTER-1": make_variant("POSTER-1", price="30.00", stock=1000),
    }


def place(*lines, email="ada@example.com", name="Ada Lovelace", channel="api", actor=SYSTEM):
    order, _ = order_place(
        draft=OrderDraft(
            email=email,
            name=name,
            lines=[LineDraft(sku=sku, quantity=qty) for sku, qty in lines or [("MUG-1", 1)]],
            shipping_address=ADDRESS,
        ),
        channel=channel,
        actor=actor,
    )
    return order


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def order_events(order) -> list[str]:
    return list(
        Event.objects.filter(subject_type="orders.order", subject_id=str(order.pk))
        .order_by("id")
        .values_list("type", flat=True)
    )


def page_text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_orders_newest_first_with_status_and_total(owner_client, shop):
    # given three orders
    first = place(email="first@example.com")
    second = place(("POSTER-1", 2), email="second@example.com", name="Grace Hopper")
    third = place(email="third@example.com")
    order_hold(order=second, actor=SYSTEM, reason="looks odd")

    # when the owner opens the list
    response = owner_client.get(reverse("dashboard:orders"))

    # then every order is there, newest first, with its status, customer and total
    assert response.status_code == 200
    html = page_text(response)
    assert html.index(third.number) < html.index(second.number) < html.index(first.number)
    assert 'class="badge on_hold"' in html
    assert "Grace Hopper" in html and "second@example.com" in html
    assert "€60.00" in html  # 2 x 30.00 through the money filter
    assert f'href="/orders/{second.number}/"' in html


def test_an_empty_list_says_where_orders_come_from(owner_client, db):
    response = owner_client.get(reverse("dashboard:orders"))

    assert response.status_code == 200
    assert "No orders yet" in page_text(response)
    assert 'href="/shop/"' in page_text(response)


def test_filters_that_match_nothing_offer_to_clear_them(owner_client, shop):
    place()

    response = owner_client.get(reverse("dashboard:orders"), {"status": "cancelled"})

    assert "No order matches these filters" in page_text(response)
    assert "Clear the filters" in page_text(response)


def test_status_filter_shows_held_orders_only(owner_client, shop):
    # given a held order and an accepted one
    held = place(email="held@example.com")
    order_hold(order=held, actor=SYSTEM, reason="check")
    accepted = place(email="fine@example.com")

    # when the Today page's link is followed
    response = owner_client.get("/orders/?status=on_hold")

    # then only the held order is listed, and the filter shows as chosen
    html = page_text(response)
    assert held.number in html
    assert accepted.number not in html
    assert '<option value="on_hold" selected>' in html


def test_channel_filter(owner_client, shop):
    from_api = place(channel="api")
    from_shop = place(channel="storefront", email="shopper@example.com")

    html = page_text(owner_client.get(reverse("dashboard:orders"), {"channel": "storefront"}))

    assert from_shop.number in html
    assert from_api.number not in html


def test_date_filter_counts_days_in_the_shops_time_zone(owner_client, shop, settings):
    # given a shop in Shanghai and an order placed at 17:00 UTC on 1 March, which is
    # 01:00 on 2 March there
    settings.TIME_ZONE = "Asia/Shanghai"
    order = place()
    Order.objects.filter(pk=order.pk).update(placed_at=datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    url = reverse("dashboard:orders")

    # when the owner asks for 2 March, then for 1 March
    on_second = page_text(
        owner_client.get(url, {"placed_from": "2026-03-02", "placed_to": "2026-03-02"})
    )
    on_first = page_text(
        owner_client.get(url, {"placed_from": "2026-03-01", "placed_to": "2026-03-01"})
    )

    # then the order is on the 2nd, the shop's day
    assert order.number in on_second
    assert order.number not in on_first


def test_a_bad_filter_is_shown_beside_its_field_and_not_applied(owner_client, shop):
    order = place()

    response = owner_client.get(
        reverse("dashboard:orders"),
        {"placed_from": "not a date", "placed_to": "2026-01-01", "status": "nonsense"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["placed_from"][0].startswith("Enter a date like ")  # the format to use
    assert "status" in form.errors
    html = page_text(response)
    assert 'id="id_placed_from_error"' in html
    # the valid filter (placed_to in the past) still applies
    assert order.number not in html


@pytest.mark.parametrize(
    "query",
    [
        lambda o: o.number,  # exact
        lambda o: o.number.lower(),  # any case
        lambda o: o.number[:11],  # the start
        lambda o: o.number.split("-")[2][:5],  # the random part alone
        lambda o: "Ada.Lovelace@Example.com",  # an email as typed, any case
        lambda o: "ada.love",  # the start of an email
        lambda o: "lovelace",  # part of the customer's name
    ],
    ids=["number", "number-lowercase", "number-start", "code", "email", "email-start", "name"],
)
def test_search_finds_by_number_email_or_name(owner_client, shop, query):
    # given Ada's order and someone else's
    ada = place(email="ada.lovelace@example.com", name="Ada Lovelace")
    other = place(email="grace@example.com", name="Grace Hopper")

    # when the owner searches
    html = page_text(owner_client.get(reverse("dashboard:orders"), {"q": query(ada)}))

    # then Ada's order is found and the other is not
    assert ada.number in html
    assert other.number not in html


def test_search_does_not_match_the_middle_of_an_email(owner_client, shop):
    # the search uses indexes: the start of an email, not any part of it
    ada = place(email="ada.lovelace@example.com", name="Ada")

    html = page_text(owner_client.get(reverse("dashboard:orders"), {"q": "lovelace@"}))

    assert ada.number not in html


def test_the_start_every_number_shares_filters_nothing(owner_client, shop):
    # "SO-2026-" is the start of every number: all orders match (and no index scan of all)
    ada, grace = place(), place(email="grace@example.com", name="Grace")

    html = page_text(owner_client.get(reverse("dashboard:orders"), {"q": ada.number[:8]}))

    assert ada.number in html and grace.number in html


def test_pages_of_fifty_newest_first(owner_client, shop):
    # given 52 orders
    orders = [place(email=f"c{i}@example.com") for i in range(52)]
    url = reverse("dashboard:orders")

    # when the owner opens the first and the second page (keeping the filter)
    first = owner_client.get(url, {"channel": "api"})
    second = owner_client.get(url, {"channel": "api", "page": 2})

    # then the first has the 50 newest and links on; the second has the two oldest
    assert [o.number for o in first.context["page"].items] == [o.number for o in orders[::-1][:50]]
    assert "?channel=api&amp;page=2" in page_text(first)
    assert [o.number for o in second.context["page"].items] == [orders[1].number, orders[0].number]
    assert not second.context["page"].has_next


def test_list_query_count_does_not_grow_with_rows(owner_client, shop, django_assert_num_queries):
    # given three orders, measured
    for i in range(3):
        place(("MUG-1", 1), ("POSTER-1", 1), email=f"few{i}@example.com")
    url = reverse("dashboard:orders")
    owner_client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = owner_client.get(url, {"q": "few"})
    assert len(response.context["page"].items) == 3

    # when there are sixty (more than a page)
    for i in range(57):
        place(("MUG-1", 1), ("POSTER-1", 1), email=f"few{i + 3}@example.com")

    # then a full page costs the same queries
    with django_assert_num_queries(len(few.captured_queries)):
        response = owner_client.get(url, {"q": "few"})
    assert len(response.context["page"].items) == 50
    print(f"\nGET /orders/?q=…: {len(few.captured_queries)} queries for 3 or 50 rows")
    with CaptureQueriesContext(connection) as plain:
        owner_client.get(url)
    print(f"GET /orders/: {len(plain.captured_queries)} queries")


# --- bulk actions -------------------------------------------------------------------------


def test_bulk_accept_accepts_what_it_can_and_says_what_it_could_not(staff_client, staff, shop):
    # given two held orders and a rejected one
    set_policy(**HOLD_ALL)
    held = [place(email=f"h{i}@example.com") for i in range(2)]
    rejected = place(email="r@example.com")
    order_reject(order=rejected, actor=SYSTEM, reason="fraud")

    # when staff select all three and accept
    response = staff_client.post(
        reverse("dashboard:orders_bulk"),
        {
            "action": "accept",
            "orders": [held[0].number, held[1].number, rejected.number],
            "next": "/orders/?status=on_hold",
        },
        follow=True,
    )

    # then the held ones are accepted (by staff), the rejected one is reported with why
    assert response.redirect_chain[-1][0] == "/orders/?status=on_hold"
    assert [fresh(o).status for o in held] == [OrderStatus.ACCEPTED] * 2
    assert fresh(rejected).status == OrderStatus.REJECTED
    for order in held:
        assert order_events(order).count("order.accepted") == 1
    event = Event.objects.filter(type="order.accepted", subject_id=str(held[0].pk)).last()
    assert (event.actor_kind, event.actor_label) == ("user", "sam")
    success, error = messages_of(response)
    assert "Accepted 2 orders" in success
    assert f"{rejected.number} — it is rejected" in error
    assert "Each order is accepted on its own" in error


def test_bulk_without_a_selection_changes_nothing(staff_client, shop):
    set_policy(**HOLD_ALL)
    held = place()

    response = staff_client.post(
        reverse("dashboard:orders_bulk"), {"action": "accept"}, follow=True
    )

    assert messages_of(response) == ["Select at least one order."]
    assert fresh(held).status == OrderStatus.ON_HOLD


def test_a_viewer_cannot_bulk_accept(viewer_client, shop):
    set_policy(**HOLD_ALL)
    held = place()

    list_page = viewer_client.get(reverse("dashboard:orders"))
    response = viewer_client.post(
        reverse("dashboard:orders_bulk"), {"action": "accept", "orders": [held.number]}
    )

    assert "Accept selected" not in page_text(list_page)
    assert 'type="checkbox"' not in page_text(list_page)
    assert response.status_code == 403
    assert fresh(held).status == OrderStatus.ON_HOLD
    assert "order.accepted" not in order_events(held)


def shipped_to(order, tracking="00340434161094042557"):
    order_mark_paid(order=order, actor=SYSTEM)
    return shipment_create(
        order=order,
        lines=None,
        carrier="manual",
        service="DHL Paket",
        tracking_number=tracking,
        tracking_url=f"https://tracking.example/{tracking}",
        actor=SYSTEM,
    )


def test_packing_slips_of_the_selected_orders_are_one_pdf(staff_client, shop):
    # given two orders with a shipment each, and one without
    one, two, bare = place(), place(email="b@example.com"), place(email="c@example.com")
    shipped_to(one)
    shipped_to(two)

    # when staff print packing slips for all three
    response = staff_client.post(
        reverse("dashboard:orders_bulk"),
        {"action": "packing_slips", "orders": [one.number, two.number, bare.number]},
    )

    # then one PDF comes back, and the order without a shipment is named for later
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.content.count(b"/Type /Page\n") + response.content.count(b"/Type /Page ") >= 2
    later = staff_client.get(reverse("dashboard:orders"))
    assert any(bare.number in m and "no shipment" in m for m in messages_of(later))


def test_packing_slips_without_any_shipment_explain_why(staff_client, shop):
    order = place()

    response = staff_client.post(
        reverse("dashboard:orders_bulk"),
        {"action": "packing_slips", "orders": [order.number]},
        follow=True,
    )

    assert response.status_code == 200
    assert any("has a shipment yet" in m for m in messages_of(response))


# --- one order ----------------------------------------------------------------------------


def test_the_order_page_shows_everything_about_the_order(owner_client, shop, owner):
    # given an order whose review found a risk, accepted by a person, paid by card, shipped,
    # with an email, and events by an API token and a flow run
    set_policy(**{**PERMISSIVE, "first_order_limit": 1})
    order = place(("MUG-1", 2), ("POSTER-1", 1), actor=STOREFRONT)
    payment_start(order=order, provider="sandbox", card_number="4242424242424242", actor=SYSTEM)
    shipment = shipped_to_paid(order)
    _queue_confirmation(order)
    token = Actor(kind=ActorKind.TOKEN, id="7", label="olivia · warehouse app")
    run = Actor(kind=ActorKind.FLOW_RUN, id="42", label="Ship paid orders · run 42")
    person = Actor.for_user(owner)
    with transaction.atomic():
        event_emit(type="order.note", subject=order, payload={}, actor=token)
        event_emit(type="order.note", subject=order, payload={}, actor=run)
        event_emit(type="order.note", subject=order, payload={}, actor=person)

    # when the owner opens it
    response = owner_client.get(reverse("dashboard:order", args=[order.number]))

    # then lines, totals, address, review with its reasons and score, the payment, the
    # shipment with tracking, the email and the timeline (with who did what) are there
    assert response.status_code == 200
    html = page_text(response)
    assert "MUG-1" in html and "POSTER-1" in html
    assert "€55.00" in html  # 2 x 12.50 + 30.00
    assert "1 Analytical St" in html
    assert "First order with a total of" in html
    assert f"risk score {order.risk_score}" in html and order.risk_score > 0
    assert "Sandbox card processor" in html and "4242" in html
    assert 'class="badge captured"' in html
    assert shipment.number in html
    assert 'href="https://tracking.example/00340434161094042557"' in html
    assert "Your order" in html or "order_confirmation" in html
    timeline = response.context["timeline"]
    types = [entry.event.type for entry in timeline]
    assert types[:2] == ["order.placed", "order.accepted"]
    assert "payment.captured" in types and "shipment.created" in types and "email.queued" in types
    by = {(e.actor_kind, e.actor_name, e.actor_href) for e in timeline}
    assert ("system", "the storefront", "") in by  # the actor, named for a person
    assert ("token", "olivia · warehouse app", "") in by
    assert ("flow_run", "Ship paid orders · run 42", "/runs/42/") in by
    assert ("user", "olivia", "") in by
    assert 'href="/runs/42/"' in html
    assert "Order placed (API): 2 line(s)" in html


def shipped_to_paid(order):
    return shipment_create(
        order=fresh(order),
        lines=None,
        carrier="manual",
        service="DHL Paket",
        tracking_number="00340434161094042557",
        tracking_url="https://tracking.example/00340434161094042557",
        actor=SYSTEM,
    )


def _queue_confirmation(order):
    with transaction.atomic():
        return email_enqueue(
            to=order.email,
            template="order_confirmation",
            context=_email_context(order),
            language="en",
            idempotency_key=f"test-confirmation-{order.number}",
            subject=("orders.order", str(order.pk)),
            actor=SYSTEM,
        )


def _email_context(order) -> dict:
    return order_context(fresh(order))


def test_an_unknown_order_is_not_found(owner_client, db):
    assert owner_client.get("/orders/SO-2026-NOPE/").status_code == 404


def test_a_viewer_sees_the_order_without_buttons(viewer_client, shop):
    set_policy(**HOLD_ALL)
    order = place()

    response = viewer_client.get(reverse("dashboard:order", args=[order.number]))

    assert response.status_code == 200
    html = page_text(response)
    assert "What next" not in html
    assert "/accept/" not in html and '<button type="submit">Accept' not in html


def held(order):
    return order_hold(order=order, actor=SYSTEM, reason="check")


def paid(order):
    return order_mark_paid(order=order, actor=SYSTEM)


def fulfilling(order):
    return order_start_fulfilling(order=paid(order), actor=SYSTEM)


def shipped(order):
    return order_mark_shipped(order=fulfilling(order), actor=SYSTEM)


def delivered(order):
    return order_mark_delivered(order=shipped(order), actor=SYSTEM)


@pytest.mark.parametrize(
    ("action", "given", "data", "to"),
    [
        ("accept", held, {}, OrderStatus.ACCEPTED),
        ("hold", None, {"hold-reason": "call the customer"}, OrderStatus.ON_HOLD),
        ("reject", held, {"reject-reason": "stolen card"}, OrderStatus.REJECTED),
        ("cancel", None, {"cancel-reason": "customer asked"}, OrderStatus.CANCELLED),
        ("mark-paid", None, {"mark-paid-reference": "TRX-1"}, OrderStatus.PAID),
        ("start-fulfilling", paid, {}, OrderStatus.FULFILLING),
        ("mark-shipped", fulfilling, {}, OrderStatus.SHIPPED),
        ("mark-delivered", shipped, {}, OrderStatus.DELIVERED),
        ("complete", delivered, {}, OrderStatus.COMPLETED),
    ],
)
def test_each_action_moves_the_order_and_records_one_event(
    staff_client, shop, action, given, data, to
):
    # given an accepted order brought to where the action applies
    order = place()
    if given:
        given(order)
    before = order_events(order)
    page = page_text(staff_client.get(reverse("dashboard:order", args=[order.number])))
    assert f'action="/orders/{order.number}/{action}/"' in page
    assert "data-confirm=" in page

    # when staff press its button
    response = staff_client.post(
        reverse("dashboard:order_act", args=[order.number, action]), data, follow=True
    )

    # then the order moved, exactly one event about it was recorded, by staff, and the
    # page says so
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert fresh(order).status == to
    after = order_events(order)
    assert after[: len(before)] == before
    assert after[len(before) :] == [f"order.{to}"]
    event = Event.objects.filter(subject_id=str(order.pk), type=f"order.{to}").last()
    assert event.actor_label == "sam"
    assert any(order.number in m for m in messages_of(response))
    if "hold-reason" in data:
        assert fresh(order).status_reason == "call the customer"


def test_only_the_legal_actions_are_offered(staff_client, shop):
    order = place()  # accepted

    actions = [a.key for a in staff_client.get(f"/orders/{order.number}/").context["actions"]]

    # the likely next step first, then the ones that stop the order
    assert actions == ["mark-paid", "hold", "cancel"]


def test_a_missing_reason_is_shown_beside_the_field_and_changes_nothing(staff_client, shop):
    order = place()
    before = order_events(order)

    response = staff_client.post(
        reverse("dashboard:order_act", args=[order.number, "hold"]), {"hold-reason": "  "}
    )

    assert response.status_code == 400
    html = page_text(response)
    assert 'id="id_hold-reason_error"' in html or "errorlist" in html
    hold = next(a for a in response.context["actions"] if a.key == "hold")
    assert hold.form.errors == {"reason": ["This field is required."]}
    assert fresh(order).status == OrderStatus.ACCEPTED
    assert order_events(order) == before


def test_an_illegal_transition_is_refused_with_a_message(staff_client, shop):
    # given a rejected order (e.g. the page was open while someone else rejected it)
    set_policy(**HOLD_ALL)
    order = place()
    order_reject(order=order, actor=SYSTEM, reason="fraud")
    before = order_events(order)

    # when staff try to accept it
    response = staff_client.post(
        reverse("dashboard:order_act", args=[order.number, "accept"]), {}, follow=True
    )

    # then nothing changes and the page says why
    assert fresh(order).status == OrderStatus.REJECTED
    assert order_events(order) == before
    assert messages_of(response) == [
        f"Order {order.number} is rejected, so it cannot be accepted. Nothing was changed."
    ]


def test_a_viewers_forged_post_is_refused(viewer_client, shop):
    set_policy(**HOLD_ALL)
    order = place()
    before = order_events(order)

    response = viewer_client.post(reverse("dashboard:order_act", args=[order.number, "accept"]))

    assert response.status_code == 403
    assert fresh(order).status == OrderStatus.ON_HOLD
    assert order_events(order) == before


def test_a_viewers_forged_shipment_post_is_refused(viewer_client, shop):
    order = place()
    shipment = shipped_to(order)

    response = viewer_client.post(f"/orders/{order.number}/shipments/{shipment.number}/ship/")

    assert response.status_code == 403
    assert fresh(order).status == OrderStatus.FULFILLING


def test_cancelling_a_paid_order_refunds_its_money(owner_client, shop):
    # given an order paid by card
    order = place(("POSTER-1", 1))
    payment, _ = payment_start(
        order=order, provider="sandbox", card_number="4242424242424242", actor=SYSTEM
    )
    assert fresh(order).status == OrderStatus.PAID
    page = page_text(owner_client.get(f"/orders/{order.number}/"))
    assert "taken for this order is refunded" in page

    # when the owner cancels it
    response = owner_client.post(
        f"/orders/{order.number}/cancel/", {"cancel-reason": "out of stock"}, follow=True
    )

    # then it is cancelled and the money went back
    assert fresh(order).status == OrderStatus.CANCELLED
    assert Payment.objects.get(pk=payment.pk).status == "refunded"
    (message,) = messages_of(response)
    assert "cancelled" in message and "was refunded" in message


def test_mark_paid_receives_a_waiting_bank_transfer(owner_client, shop):
    # given an order waiting for a bank transfer
    order = place()
    payment, _ = payment_start(order=order, provider="manual", actor=SYSTEM)

    # when the owner marks it paid
    owner_client.post(f"/orders/{order.number}/mark-paid/", {"mark-paid-reference": "TRX-9"})

    # then the transfer is captured and the order paid
    assert Payment.objects.get(pk=payment.pk).status == "captured"
    assert fresh(order).status == OrderStatus.PAID


def test_shipments_are_marked_shipped_and_delivered_and_the_order_follows(owner_client, shop):
    # given a paid order with a shipment being packed
    order = place()
    shipment = shipped_to(order)
    page = page_text(owner_client.get(f"/orders/{order.number}/"))
    assert "/mark-shipped/" not in page  # the shipment is marked, not the order
    ship_url = f"/orders/{order.number}/shipments/{shipment.number}/ship/"
    assert f'action="{ship_url}"' in page

    # when the owner marks it shipped, then delivered
    owner_client.post(ship_url)
    assert fresh(order).status == OrderStatus.SHIPPED
    response = owner_client.post(
        f"/orders/{order.number}/shipments/{shipment.number}/deliver/", follow=True
    )

    # then the order was delivered with it
    assert fresh(order).status == OrderStatus.DELIVERED
    assert messages_of(response)[-1] == f"Shipment {shipment.number} marked delivered."


def test_a_shipment_of_another_order_is_not_found(owner_client, shop):
    order, other = place(), place(email="o@example.com")
    shipment = shipped_to(other)

    response = owner_client.post(f"/orders/{order.number}/shipments/{shipment.number}/ship/")

    assert response.status_code == 404


def test_detail_query_count_does_not_grow_with_what_the_order_has(
    owner_client, shop, django_assert_num_queries
):
    # given a small order: one line, paid, one shipment, one email
    small = place()
    payment_start(order=small, provider="sandbox", card_number="4242424242424242", actor=SYSTEM)
    shipment_create(order=fresh(small), lines=None, carrier="manual", service="Post", actor=SYSTEM)
    _queue_confirmation(small)
    owner_client.get(f"/orders/{small.number}/")
    with CaptureQueriesContext(connection) as few:
        owner_client.get(f"/orders/{small.number}/")

    # and a large one: two lines, a payment, three shipments (one shipped), two emails
    large = place(("MUG-1", 3), ("POSTER-1", 2), email="big@example.com")
    payment_start(order=large, provider="sandbox", card_number="4242424242424242", actor=SYSTEM)
    for sku in ("MUG-1", "POSTER-1"):
        line = fresh(large).lines.get(sku=sku)
        shipment_create(
            order=fresh(large), lines=[(line.pk, 1)], carrier="manual", service="Post", actor=SYSTEM
        )
    shipment = shipment_create(
        order=fresh(large), lines=None, carrier="manual", service="Post", actor=SYSTEM
    )
    shipment_ship(shipment=shipment, actor=SYSTEM)
    _queue_confirmation(large)
    with transaction.atomic():
        email_enqueue(
            to=large.email,
            template="order_shipped",
            context=_email_context(large),
            language="en",
            idempotency_key=f"test-shipped-{large.number}",
            subject=("orders.order", str(large.pk)),
            actor=SYSTEM,
        )

    # then its page costs the same queries
    with django_assert_num_queries(len(few.captured_queries)):
        response = owner_client.get(f"/orders/{large.number}/")
    assert len(response.context["shipments"]) == 3
    assert len(response.context["emails"]) == 2
    assert len(response.context["timeline"]) > len(order_events(large))
    print(f"\nGET /orders/<number>/: {len(few.captured_queries)} queries")


def test_the_order_page_names_the_delivery_method_chosen(owner_client, shop):
    # given an order that chose Express (1-2 days) for 9.90
    from soloops.orders.services import shipping_rate_create

    shipping_rate_create(
        country="*", method="Express", amount="9.90", days_min=1, days_max=2, actor=SYSTEM
    )
    order, _ = order_place(
        draft=OrderDraft(
            email="ada@example.com",
            lines=[LineDraft(sku="MUG-1", quantity=1)],
            shipping_address=ADDRESS,
            shipping_method="Express",
        ),
        channel="api",
        actor=SYSTEM,
    )

    # when
    html = page_text(owner_client.get(reverse("dashboard:order", args=[order.number])))

    # then the shipping row says the method, its days and its price
    assert '<span class="muted" id="order-delivery">(Express, 1–2 days)</span>' in html  # noqa: RUF001
    assert "€9.90" in html
