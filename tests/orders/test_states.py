"""The order state machine, pair by pair: every legal move emits one event, every other is refused.

Accept, hold, reject and cancel go through the HTTP API as the owner's console would call them;
payment, fulfilment, shipping, delivery and completion through their services (their callers are
other apps: payments, fulfilment, carriers).
"""

import pytest

from soloops.automation.models import Event
from soloops.errors import Conflict
from soloops.inventory.models import Reservation, ReservationStatus
from soloops.inventory.selectors import ledger_mismatches
from soloops.orders import services
from soloops.orders.models import Order, OrderStatus
from tests.factories import SYSTEM, draft
from tests.orders.conftest import Api, bearer_for, events_of, make_user, reserved, stock

S = OrderStatus

# The state machine as the issue states it, written out independently of soloops.orders.states.
LEGAL = {
    (S.PLACED, S.ON_HOLD),
    (S.PLACED, S.ACCEPTED),
    (S.PLACED, S.REJECTED),
    (S.PLACED, S.CANCELLED),
    (S.ON_HOLD, S.ACCEPTED),
    (S.ON_HOLD, S.REJECTED),
    (S.ON_HOLD, S.CANCELLED),
    (S.ACCEPTED, S.PAID),
    (S.ACCEPTED, S.ON_HOLD),  # a flow or the owner may still hold it before payment
    (S.ACCEPTED, S.CANCELLED),
    (S.PAID, S.FULFILLING),
    (S.PAID, S.CANCELLED),
    (S.FULFILLING, S.SHIPPED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.COMPLETED),
}
# Statuses whose order still has its stock reserved.
HOLDING = {S.PLACED, S.ON_HOLD, S.ACCEPTED, S.PAID, S.FULFILLING}
VIA_API = {S.ACCEPTED: "accept", S.ON_HOLD: "hold", S.REJECTED: "reject", S.CANCELLED: "cancel"}
VIA_SERVICE = {
    S.PAID: services.order_mark_paid,
    S.FULFILLING: services.order_start_fulfilling,
    S.SHIPPED: services.order_mark_shipped,
    S.DELIVERED: services.order_mark_delivered,
    S.COMPLETED: services.order_complete,
}
# Nothing returns an order to "placed": intake is the only way in, so no service targets it.
TARGETS = [s for s in S if s != S.PLACED]
PAIRS = [(a, b) for a in S for b in TARGETS]
QUANTITY = 3


def place() -> Order:
    order, _ = services.order_place(draft=draft(("MUG-1", QUANTITY)), channel="api", actor=SYSTEM)
    assert order.status == S.ACCEPTED
    return order


def order_in(status: str) -> Order:
    """An order brought to ``status`` through the services (``placed`` is set by hand: intake
    reviews at once, so no order stays placed; its stock is reserved as for a placed order)."""
    if status in (S.PLACED, S.ON_HOLD, S.REJECTED):
        order = place()
        Order.objects.filter(pk=order.pk).update(status=S.PLACED, accepted_at=None)
        order.refresh_from_db()
        if status == S.ON_HOLD:
            services.order_hold(order=order, actor=SYSTEM, reason="check the address")
        if status == S.REJECTED:
            services.order_reject(order=order, actor=SYSTEM, reason="fraud")
    elif status == S.CANCELLED:
        order = services.order_cancel(order=place(), actor=SYSTEM, reason="customer asked")
    else:
        order = place()
        chain = [S.PAID, S.FULFILLING, S.SHIPPED, S.DELIVERED, S.COMPLETED]
        for step in chain[: chain.index(status) + 1] if status != S.ACCEPTED else []:
            VIA_SERVICE[step](order=order, actor=SYSTEM)
    order.refresh_from_db()
    assert order.status == status
    return order


def snapshot(order: Order) -> dict:
    order.refresh_from_db()
    return {
        "order": {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields},
        "events": Event.objects.count(),
        "on_hand": stock("MUG-1").on_hand,
        "reserved": reserved("MUG-1"),
        "reservations": list(
            Reservation.objects.filter(order_line__order=order).values_list("status", flat=True)
        ),
    }


def move(api: Api, order: Order, to: str, reason: str = "a reason"):
    """Ask for ``to``; return (status code, error body or None)."""
    if to in VIA_API:
        response = api.post(f"/api/orders/{order.number}/{VIA_API[to]}", {"reason": reason})
        return response.status_code, (response.json() if response.status_code != 200 else None)
    try:
        VIA_SERVICE[to](order=order, actor=SYSTEM)
    except Conflict as e:
        return e.status, e.as_dict()
    return 200, None


def test_the_table_under_test_is_the_issues_table():
    # given the implementation's table
    from soloops.orders.states import TRANSITIONS

    # when it is flattened into pairs
    implemented = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}

    # then it is exactly the issue's state machine, and every status has a row
    assert implemented == LEGAL
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(("current", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_is_either_one_move_with_one_event_or_refused_unchanged(
    api, shop, permissive, current, to
):
    # given an order in ``current`` and everything a move could touch
    order = order_in(current)
    before = snapshot(order)

    # when
    status, error = move(api, order, to)

    # then
    after = snapshot(order)
    if (current, to) in LEGAL:
        assert status == 200, error
        assert after["order"]["status"] == to
        assert after["events"] == before["events"] + 1
        newest = Event.objects.latest("id")
        assert (newest.type, newest.subject_type, newest.subject_id) == (
            f"order.{to}",
            "orders.order",
            str(order.pk),
        )
        assert newest.payload["from"] == current
        assert ledger_mismatches() == []
        if current in HOLDING and to in (S.CANCELLED, S.REJECTED):
            assert after["reserved"] == before["reserved"] - QUANTITY
            assert after["reservations"] == [ReservationStatus.RELEASED]
        elif to == S.SHIPPED:
            # shipping turns the reservation into a sale: the goods left the shelf
            assert after["reserved"] == before["reserved"] - QUANTITY
            assert after["on_hand"] == before["on_hand"] - QUANTITY
            assert after["reservations"] == [ReservationStatus.CONSUMED]
        else:
            assert (after["reserved"], after["on_hand"]) == (before["reserved"], before["on_hand"])
            assert after["reservations"] == before["reservations"]
    else:
        assert status == 409
        assert error["code"] == "illegal_transition"
        assert error["extra"]["current"] == current
        assert f"is {current} " in error["message"]
        assert after == before


@pytest.mark.parametrize("action", ["hold", "reject", "cancel"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_hold_reject_cancel_need_a_reason(api, shop, permissive, error, action, reason):
    # given an order that may legally be held, rejected or cancelled
    order = order_in(S.PLACED)
    before = snapshot(order)

    # when the reason is missing or blank
    payload = {} if reason is None else {"reason": reason}
    response = api.post(f"/api/orders/{order.number}/{action}", payload)

    # then
    error(response, 422, "reason_required", "reason")
    assert snapshot(order) == before


def test_cancel_releases_the_reservation_and_the_stock_becomes_available(api, shop, permissive):
    # given an accepted order holding 3 of 100 mugs
    order = order_in(S.ACCEPTED)
    assert reserved("MUG-1") == QUANTITY

    # when
    response = api.post(f"/api/orders/{order.number}/cancel", {"reason": "customer asked"})

    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.CANCELLED
    assert response.json()["status_reason"] == "customer asked"
    assert reserved("MUG-1") == 0
    assert stock("MUG-1").on_hand == 100


def test_reject_of_a_held_order_releases_its_reservation(api, shop, permissive):
    # given an order on hold, still holding its stock
    order = order_in(S.ON_HOLD)
    assert reserved("MUG-1") == QUANTITY

    # when
    response = api.post(f"/api/orders/{order.number}/reject", {"reason": "stolen card"})

    # then
    assert response.status_code == 200, response.content
    assert reserved("MUG-1") == 0
    assert events_of("order.rejected") == 1


@pytest.mark.parametrize("action", ["accept", "hold", "reject", "cancel"])
def test_a_viewer_session_cannot_transition(client, shop, permissive, error, action):
    # given a viewer logged in and a placed order
    client.force_login(make_user("vic", "viewer"))
    order = order_in(S.PLACED)
    before = snapshot(order)

    # when
    response = client.post(
        f"/api/orders/{order.number}/{action}",
        {"reason": "because"},
        content_type="application/json",
    )

    # then refused, and the viewer may still read the order
    error(response, 403, "read_only")
    assert snapshot(order) == before
    assert client.get(f"/api/orders/{order.number}").status_code == 200


@pytest.mark.parametrize("action", ["accept", "hold", "reject", "cancel"])
def test_a_read_scoped_token_cannot_transition(client, owner, shop, permissive, error, action):
    # given the owner's read-only token and a placed order
    api = Api(client, bearer_for(owner, scope="read"))
    order = order_in(S.PLACED)
    before = snapshot(order)

    # when
    response = api.post(f"/api/orders/{order.number}/{action}", {"reason": "because"})

    # then
    error(response, 403, "read_only")
    assert snapshot(order) == before
    assert api.get(f"/api/orders/{order.number}").status_code == 200


@pytest.mark.parametrize("action", ["accept", "hold", "reject", "cancel"])
def test_staff_can_transition_by_session_and_by_token(client, shop, permissive, action):
    # given a staff member, a placed order for the session and another for the token
    sam = make_user("sam", "staff")
    by_session, by_token = order_in(S.PLACED), order_in(S.PLACED)
    token_api = Api(client, bearer_for(sam))

    # when
    response_token = token_api.post(f"/api/orders/{by_token.number}/{action}", {"reason": "ok"})
    client.force_login(sam)
    response_session = client.post(
        f"/api/orders/{by_session.number}/{action}",
        {"reason": "ok"},
        content_type="application/json",
    )

    # then both moved, and the events name who did it
    target = {v: k for k, v in VIA_API.items()}[action]
    for response, order, kind in (
        (response_token, by_token, "token"),
        (response_session, by_session, "user"),
    ):
        assert response.status_code == 200, response.content
        assert response.json()["status"] == target
        event = Event.objects.filter(subject_id=str(order.pk)).latest("id")
        assert event.type == f"order.{target}"
        assert event.actor_kind == kind
        assert event.actor_label.startswith("sam")


def test_an_unknown_order_number_is_404_for_transitions(api, db, error):
    # when
    response = api.post("/api/orders/SO-2026-NOPE0000/cancel", {"reason": "x"})

    # then
    error(response, 404, "not_found")
