"""Carriers and labels: one idempotency key, one label, however often the call is repeated."""

import pytest

from soloops.errors import Conflict
from soloops.fulfillment.carriers import CARRIERS, LabelRequest
from soloops.fulfillment.carriers.sandbox import SandboxCarrier
from soloops.fulfillment.errors import CarrierError
from soloops.fulfillment.models import Shipment
from soloops.fulfillment.services import (
    label_idempotency_key,
    shipment_create,
    shipment_label_create,
    shipment_ship,
)
from tests.fulfillment.conftest import SYSTEM, events, paid, snapshot, stock
from tests.fulfillment.pdftext import page_count, pdf_text


def label_of(shipment) -> bytes:
    return bytes(Shipment.objects.get(pk=shipment.pk).label)


def test_a_sandbox_shipment_gets_its_label_and_tracking_number_when_created(shop):
    # when
    order = paid(("MUG-1", 1))
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="express", actor=SYSTEM
    )

    # then
    assert shipment.tracking_number.startswith("SBX")
    assert len(shipment.tracking_number) == 15
    assert shipment.tracking_url.endswith(shipment.tracking_number)
    label = label_of(shipment)
    assert label.startswith(b"%PDF")
    (labelled,) = events("shipment.label_created")
    assert labelled.payload["tracking_number"] == shipment.tracking_number


def test_the_sandbox_answers_one_key_with_one_label(shop):
    # given
    order = paid(("MUG-1", 1))
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )
    first = label_of(shipment)

    # when the label is asked for again, directly and through the service (as a retry after a
    # lost answer would)
    sandbox = CARRIERS["sandbox"]
    again = sandbox.create_label(_request_for(shipment))
    shipment_label_create(shipment=shipment, actor=SYSTEM)
    shipment_label_create(shipment=shipment, actor=SYSTEM)

    # then it is the same label: same tracking number, same bytes, stored and announced once
    assert again.tracking_number == shipment.tracking_number
    assert again.pdf == first
    assert label_of(shipment) == first
    assert len(events("shipment.label_created")) == 1


def _request_for(shipment):
    """The label request the service sends, rebuilt the same way (same key, same data)."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment.pk)
    return LabelRequest(
        idempotency_key=label_idempotency_key(shipment),
        shipment_number=shipment.number,
        order_number=shipment.order.number,
        service=shipment.service,
        ship_from="My Shop",
        ship_to=dict(shipment.order.shipping_address),
        lines=tuple(
            (ln.order_line.sku, ln.order_line.title, ln.quantity) for ln in shipment.lines.all()
        ),
        created_at=shipment.created_at,
    )


def test_a_label_call_that_lost_its_answer_gets_the_same_label_on_retry(shop, monkeypatch):
    # given a carrier that made the label but whose answer never arrived
    made = []
    real = SandboxCarrier.create_label

    def lost_answer(self, request):
        made.append(real(self, request))
        raise CarrierError("carrier_failed", "the carrier did not answer in time")

    monkeypatch.setattr(SandboxCarrier, "create_label", lost_answer)
    order = paid(("MUG-1", 1))
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )
    assert shipment.tracking_number == ""
    assert Shipment.objects.filter(pk=shipment.pk, label__isnull=True).exists()

    # when the call is retried and answered
    monkeypatch.setattr(SandboxCarrier, "create_label", real)
    shipment = shipment_label_create(shipment=shipment, actor=SYSTEM)

    # then the carrier's answer is the label it made the first time
    assert shipment.tracking_number == made[0].tracking_number
    assert label_of(shipment) == made[0].pdf


def test_shipping_waits_for_the_label_and_a_failed_carrier_changes_nothing(shop, monkeypatch):
    # given a sandbox shipment whose label could not be made
    def down(self, request):
        raise CarrierError("carrier_failed", "the carrier is down")

    monkeypatch.setattr(SandboxCarrier, "create_label", down)
    order = paid(("MUG-1", 2))
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="standard", actor=SYSTEM
    )
    before = snapshot()

    # when it is shipped while the carrier is still down
    with pytest.raises(CarrierError):
        shipment_ship(shipment=shipment, actor=SYSTEM)

    # then nothing shipped
    assert snapshot() == before
    assert stock("MUG-1").reserved == 2

    # when the carrier is back
    monkeypatch.undo()
    shipped = shipment_ship(shipment=shipment, actor=SYSTEM)

    # then the label came first and the shipped event carries its tracking number
    assert shipped.status == "shipped"
    (event,) = events("shipment.shipped")
    assert event.payload["tracking_number"].startswith("SBX")


def test_the_manual_carrier_makes_no_label(shop):
    # given
    order = paid(("MUG-1", 1))
    shipment = shipment_create(
        order=order,
        lines=None,
        carrier="manual",
        service="Royal Mail",
        tracking_number="RR123456785GB",
        actor=SYSTEM,
    )

    # then
    assert Shipment.objects.get(pk=shipment.pk).label is None
    with pytest.raises(Conflict) as refused:
        shipment_label_create(shipment=shipment, actor=SYSTEM)
    assert refused.value.code == "no_label"


def test_the_sandbox_label_names_the_parcel(shop, readable_pdfs):
    # when
    order = paid(("MUG-1", 1))
    shipment = shipment_create(
        order=order, lines=None, carrier="sandbox", service="express", actor=SYSTEM
    )

    # then
    label = label_of(shipment)
    text = pdf_text(label)
    assert page_count(label) == 1
    for expected in ("SANDBOX - NOT A REAL LABEL", "EXPRESS", shipment.tracking_number, "London"):
        assert expected in text
    assert f"Order {order.number}" in text
