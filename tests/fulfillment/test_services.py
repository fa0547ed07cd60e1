"""Shipments through the services: partial shipments, the ledger, the order's transitions."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from soloops.errors import Conflict, InvalidInput
from soloops.fulfillment.models import Shipment
from soloops.fulfillment.services import (
    shipment_cancel,
    shipment_create,
    shipment_deliver,
    shipment_ship,
)
from soloops.inventory.models import Movement, Reservation
from soloops.inventory.selectors import ledger_mismatches
from soloops.inventory.services import stock_consume
from soloops.orders.models import Order
from soloops.orders.services import order_cancel
from tests.fulfillment.conftest import SYSTEM, events, line_of, paid, place, snapshot, stock


def status_of(order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_two_partial_shipments_of_one_line_sell_it_exactly(shop):
    # given a paid order of 3 mugs (10 on hand, 3 reserved)
    order = paid(("MUG-1", 3))
    mug = line_of(order, "MUG-1")

    # when 2 ship in one parcel
    first = shipment_create(
        order=order, lines=[(mug.pk, 2)], carrier="manual", service="DHL Paket", actor=SYSTEM
    )
    shipment_ship(shipment=first, actor=SYSTEM)

    # then 2 are sold and exactly 1 stays reserved, held by the same line
    assert (stock("MUG-1").on_hand, stock("MUG-1").reserved) == (8, 1)
    active = Reservation.objects.filter(order_line=mug, status="active")
    assert [r.quantity for r in active] == [1]
    assert ledger_mismatches() == []
    assert status_of(order) == "fulfilling"

    # when the last one ships in a second parcel
    second = shipment_create(
        order=order, lines=[(mug.pk, 1)], carrier="manual", service="DHL Paket", actor=SYSTEM
    )
    shipment_ship(shipment=second, actor=SYSTEM)

    # then the ledger has one sale per parcel, and nothing is reserved any more
    sales = Movement.objects.filter(kind="sale").order_by("id")
    assert [(m.quantity, m.balance_after, m.reference_id) for m in sales] == [
        (-2, 8, str(first.pk)),
        (-1, 7, str(second.pk)),
    ]
    assert {m.reference_type for m in sales} == {"fulfillment.shipment"}
    assert (stock("MUG-1").on_hand, stock("MUG-1").reserved) == (7, 0)
    assert not Reservation.objects.filter(order_line=mug, status="active").exists()
    assert sum(r.quantity for r in Reservation.objects.filter(order_line=mug)) == 3
    assert ledger_mismatches() == []
    assert status_of(order) == "shipped"


def test_over_shipping_is_refused_naming_the_line_and_writes_nothing(shop):
    # given 2 of 3 mugs already in a shipment
    order = paid(("MUG-1", 3))
    mug = line_of(order, "MUG-1")
    shipment_create(
        order=order, lines=[(mug.pk, 2)], carrier="manual", service="post", actor=SYSTEM
    )
    before = snapshot()

    # when 2 more are asked for
    with pytest.raises(InvalidInput) as refused:
        shipment_create(
            order=order, lines=[(mug.pk, 2)], carrier="manual", service="post", actor=SYSTEM
        )

    # then the error names the quantity and says what is left; nothing changed
    assert refused.value.field == "lines[0].quantity"
    assert refused.value.code == "over_shipping"
    assert refused.value.extra == {
        "sku": "MUG-1",
        "ordered": 3,
        "in_shipments": 2,
        "left": 1,
        "requested": 2,
    }
    assert snapshot() == before


def test_a_refused_first_shipment_leaves_the_order_paid(shop):
    # given
    order = paid(("MUG-1", 3), ("POSTER-1", 1))
    before = snapshot()

    # when the second line asks for more than was ordered
    with pytest.raises(InvalidInput) as refused:
        shipment_create(
            order=order,
            lines=[(line_of(order, "POSTER-1").pk, 1), (line_of(order, "MUG-1").pk, 4)],
            carrier="sandbox",
            service="standard",
            actor=SYSTEM,
        )

    # then
    assert refused.value.field == "lines[1].quantity"
    assert snapshot() == before
    assert status_of(order) == "paid"
    assert events("order.fulfilling") == []


@pytest.mark.parametrize(
    ("lines", "field", "code"),
    [
        ([], "lines", "nothing_to_ship"),
        ([(999_999, 1)], "lines[0].order_line_id", "invalid_line"),
        ([("mug", 1), ("mug", 1)], "lines[1].order_line_id", "invalid_line"),
        ([("ebook", 1)], "lines[0].order_line_id", "invalid_line"),
        ([("mug", 0)], "lines[0].quantity", "invalid_quantity"),
    ],
)
def test_bad_lines_are_refused_naming_the_line(shop, lines, field, code):
    # given
    order = paid(("MUG-1", 3), ("EBOOK-1", 1))
    ids = {"mug": line_of(order, "MUG-1").pk, "ebook": line_of(order, "EBOOK-1").pk}
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        shipment_create(
            order=order,
            lines=[(ids.get(ref, ref), qty) for ref, qty in lines],
            carrier="manual",
            service="post",
            actor=SYSTEM,
        )

    # then
    assert (refused.value.field, refused.value.code) == (field, code)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("carrier", "service", "tracking", "url", "field"),
    [
        ("pigeon", "standard", None, "", "carrier"),
        ("sandbox", "overnight", None, "", "service"),
        ("sandbox", "standard", "MY-OWN-123", "", "tracking_number"),
        ("manual", "post", "RR123", "ftp://track.example/RR123", "tracking_url"),
        ("manual", "post", None, "https://track.example/RR123", "tracking_number"),
        ("manual", "post", "x" * 101, "", "tracking_number"),
    ],
)
def test_bad_carrier_input_is_refused_naming_the_field(
    shop, carrier, service, tracking, url, field
):
    # given
    order = paid(("MUG-1", 1))
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        shipment_create(
            order=order,
            lines=None,
            carrier=carrier,
            service=service,
            tracking_number=tracking,
            tracking_url=url,
            actor=SYSTEM,
        )

    # then
    assert refused.value.field == field
    assert snapshot() == before


def test_shipping_turns_the_reservation_into_a_sale(shop):
    # given a paid order whose mugs are reserved
    order = paid(("MUG-1", 2), ("POSTER-1", 1))
    assert (stock("MUG-1").on_hand, stock("MUG-1").reserved) == (10, 2)

    # when everything ships in one parcel
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )
    shipment_ship(shipment=shipment, actor=SYSTEM)

    # then the reservations are consumed and each SKU has one sale for this shipment
    assert (stock("MUG-1").on_hand, stock("MUG-1").reserved) == (8, 0)
    assert (stock("POSTER-1").on_hand, stock("POSTER-1").reserved) == (9, 0)
    assert set(
        Reservation.objects.filter(order_line__order=order).values_list("status", flat=True)
    ) == {"consumed"}
    sales = Movement.objects.filter(kind="sale", reference_type="fulfillment.shipment")
    assert sorted((m.variant.sku, m.quantity) for m in sales) == [("MUG-1", -2), ("POSTER-1", -1)]
    assert ledger_mismatches() == []


def test_the_order_moves_paid_fulfilling_shipped_delivered_once_each(shop):
    # given a paid order of two lines
    order = paid(("MUG-1", 2), ("POSTER-1", 1))
    mug, poster = line_of(order, "MUG-1"), line_of(order, "POSTER-1")

    # when the mugs and the poster go in two parcels, each shipped and delivered
    steps = []
    a = shipment_create(
        order=order, lines=[(mug.pk, 2)], carrier="sandbox", service="standard", actor=SYSTEM
    )
    steps.append(status_of(order))
    b = shipment_create(
        order=order, lines=[(poster.pk, 1)], carrier="sandbox", service="express", actor=SYSTEM
    )
    steps.append(status_of(order))
    shipment_ship(shipment=a, actor=SYSTEM)
    steps.append(status_of(order))
    shipment_deliver(shipment=a, actor=SYSTEM)
    steps.append(status_of(order))
    shipment_ship(shipment=b, actor=SYSTEM)
    steps.append(status_of(order))
    shipment_deliver(shipment=b, actor=SYSTEM)
    steps.append(status_of(order))

    # then the order became fulfilling with the first parcel, shipped with the last one out,
    # delivered with the last one in
    assert steps == ["fulfilling", "fulfilling", "fulfilling", "fulfilling", "shipped", "delivered"]
    for type in ("order.fulfilling", "order.shipped", "order.delivered"):
        assert len(events(type, number=order.number)) == 1, type
    for type in ("shipment.created", "shipment.shipped", "shipment.delivered"):
        assert len(events(type, order_number=order.number)) == 2, type
    assert ledger_mismatches() == []


def test_the_shipped_event_carries_what_the_email_needs(shop):
    # given
    order = paid(("MUG-1", 2))
    shipment = shipment_create(
        order=order,
        lines=None,
        carrier="manual",
        service="DHL Paket",
        tracking_number=" JD014600003828 ",
        tracking_url="https://www.dhl.com/track?id=JD014600003828",
        actor=SYSTEM,
    )

    # when
    shipment_ship(shipment=shipment, actor=SYSTEM)

    # then
    (shipped,) = events("shipment.shipped")
    assert shipped.subject_type == "fulfillment.shipment"
    assert shipped.subject_id == str(shipment.pk)
    assert shipped.payload == {
        "number": shipment.number,
        "order_number": order.number,
        "carrier": "manual",
        "carrier_name": "DHL Paket",
        "service": "DHL Paket",
        "tracking_number": "JD014600003828",
        "tracking_url": "https://www.dhl.com/track?id=JD014600003828",
        "lines": [
            {
                "order_line_id": line_of(order, "MUG-1").pk,
                "sku": "MUG-1",
                "title": "Product MUG-1",
                "quantity": 2,
            }
        ],
    }


def test_everything_left_ships_and_goods_that_do_not_ship_are_sold_with_the_order(shop):
    # given an order with an e-book (no shipping) and 3 mugs, 1 of them already in a parcel
    order = paid(("MUG-1", 3), ("EBOOK-1", 1))
    mug = line_of(order, "MUG-1")
    first = shipment_create(
        order=order, lines=[(mug.pk, 1)], carrier="manual", service="post", actor=SYSTEM
    )

    # when "everything left" goes in a second parcel
    rest = shipment_create(order=order, lines=None, carrier="manual", service="post", actor=SYSTEM)

    # then nothing is left for a third
    with pytest.raises(InvalidInput) as refused:
        shipment_create(order=order, lines=None, carrier="manual", service="post", actor=SYSTEM)
    assert (refused.value.code, refused.value.field) == ("nothing_to_ship", "lines")

    # when both parcels leave
    shipment_ship(shipment=first, actor=SYSTEM)
    shipment_ship(shipment=rest, actor=SYSTEM)

    # then the second parcel held the 2 other mugs and no e-book; the order shipped, and the
    # e-book's reservation became a sale of the order itself
    assert [(ln.order_line.sku, ln.quantity) for ln in rest.lines.all()] == [("MUG-1", 2)]
    assert status_of(order) == "shipped"
    ebook_sale = Movement.objects.get(kind="sale", variant__sku="EBOOK-1")
    assert (ebook_sale.reference_type, ebook_sale.quantity) == ("orders.order", -1)
    assert ledger_mismatches() == []


def test_a_cancelled_shipment_frees_its_units_and_keeps_them_reserved(shop):
    # given
    order = paid(("MUG-1", 3))
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )

    # when
    shipment_cancel(shipment=shipment, actor=SYSTEM, reason="wrong box")

    # then the mugs are still reserved for the order and may go in a new shipment
    assert Shipment.objects.get(pk=shipment.pk).status == "cancelled"
    assert stock("MUG-1").reserved == 3
    again = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )
    assert [ln.quantity for ln in again.lines.all()] == [3]
    (cancelled,) = events("shipment.cancelled")
    assert cancelled.payload["reason"] == "wrong box"


def test_transitions_out_of_turn_are_refused(shop):
    # given a shipment that has shipped
    order = paid(("MUG-1", 1), ("POSTER-1", 1))
    shipment = shipment_create(
        order=order,
        lines=[(line_of(order, "MUG-1").pk, 1)],
        carrier="sandbox",
        service="standard",
        actor=SYSTEM,
    )
    waiting = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )
    shipment_ship(shipment=shipment, actor=SYSTEM)
    before = snapshot()

    # then it cannot ship again or be cancelled, and an unshipped one cannot be delivered
    for action, target in (
        (shipment_ship, shipment),
        (shipment_cancel, shipment),
        (shipment_deliver, waiting),
    ):
        with pytest.raises(Conflict) as refused:
            action(shipment=target, actor=SYSTEM)
        assert (refused.value.code, refused.value.field) == ("illegal_transition", "status")
    assert snapshot() == before


@pytest.mark.parametrize("status", ["accepted", "cancelled"])
def test_only_paid_or_fulfilling_orders_ship(shop, status):
    # given an order that is not paid
    order = place(("MUG-1", 1))
    if status == "cancelled":
        order = order_cancel(order=order, actor=SYSTEM, reason="changed mind")
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        shipment_create(order=order, lines=None, carrier="manual", service="post", actor=SYSTEM)

    # then
    assert (refused.value.code, refused.value.field) == ("order_not_shippable", "order")
    assert snapshot() == before


def test_a_repeated_create_with_the_same_idempotency_key_acts_once(shop):
    # given
    order = paid(("MUG-1", 3))
    mug = line_of(order, "MUG-1")
    request = {
        "order": order,
        "lines": [(mug.pk, 1)],
        "carrier": "sandbox",
        "service": "standard",
        "actor": SYSTEM,
    }

    # when the same request comes twice with one key
    first = shipment_create(**request, idempotency_key="flow-run-7-step-2")
    second = shipment_create(**request, idempotency_key="flow-run-7-step-2")

    # then one shipment, one event, one label
    assert first.pk == second.pk
    assert Shipment.objects.count() == 1
    assert len(events("shipment.created")) == 1
    assert len(events("shipment.label_created")) == 1

    # and the key cannot be reused for a different request
    with pytest.raises(InvalidInput) as refused:
        shipment_create(**{**request, "lines": [(mug.pk, 2)]}, idempotency_key="flow-run-7-step-2")
    assert refused.value.field == "Idempotency-Key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_shipments_of_one_order_never_take_the_same_units(shop):
    # given a fulfilling order with 2 of 3 mugs still free
    order = paid(("MUG-1", 3))
    mug = line_of(order, "MUG-1")
    shipment_create(
        order=order, lines=[(mug.pk, 1)], carrier="manual", service="post", actor=SYSTEM
    )
    start = threading.Barrier(4)

    def attempt(_):
        start.wait()
        try:
            shipment = shipment_create(
                order=order, lines=[(mug.pk, 2)], carrier="manual", service="post", actor=SYSTEM
            )
            return "ok", shipment.pk
        except InvalidInput as e:
            return "refused", e.field
        finally:
            connections.close_all()

    # when four sessions each try to ship the last 2 at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(4)))

    # then one wins and the others are told the line is used up
    assert sorted(kind for kind, _ in results) == ["ok", "refused", "refused", "refused"]
    assert {value for kind, value in results if kind == "refused"} == {"lines[0].quantity"}
    assert sum(ln.quantity for s in Shipment.objects.all() for ln in s.lines.all()) == 3


def test_consuming_more_than_a_line_holds_is_refused_and_changes_nothing(shop):
    # given a line with 3 units reserved, 2 of them already shipped
    order = paid(("MUG-1", 3))
    mug = line_of(order, "MUG-1")
    stock_consume(quantities={mug.pk: 2}, reference=("test", "1"), actor=SYSTEM)
    before = snapshot()

    # when 2 more are to be consumed
    with pytest.raises(Conflict) as refused:
        stock_consume(quantities={mug.pk: 2}, reference=("test", "2"), actor=SYSTEM)

    # then
    assert refused.value.code == "insufficient_stock"
    assert refused.value.extra == {"order_line_id": mug.pk, "reserved": 1, "requested": 2}
    assert snapshot() == before
    assert ledger_mismatches() == []
