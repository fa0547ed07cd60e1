"""Packing slips: valid PDFs, one slip per page, Chinese names and labels in a real font."""

import logging
import os

import pytest

from soloops.fulfillment import pdf
from soloops.fulfillment.packing_slips import packing_slips_pdf
from soloops.fulfillment.selectors import shipments_get_for
from soloops.fulfillment.services import shipment_create
from tests.factories import ADDRESS, make_variant
from tests.fulfillment.conftest import SYSTEM, line_of, paid
from tests.fulfillment.pdftext import page_count, pdf_text

CHINESE_ADDRESS = {
    "name": "张伟",
    "line1": "建国路 88 号",
    "city": "北京",
    "postal_code": "100022",
    "country": "CN",
}


def slips(*shipments) -> bytes:
    return packing_slips_pdf(shipments_get_for(actor=SYSTEM, numbers=[s.number for s in shipments]))


def ship_all(order, carrier="manual", service="DHL Paket"):
    return shipment_create(order=order, lines=None, carrier=carrier, service=service, actor=SYSTEM)


def require_unicode_font() -> None:
    if pdf.unicode_font() is None:
        message = "no Unicode font: apt-get install fonts-wqy-microhei"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must provide it")
        pytest.skip(message)


def test_a_packing_slip_lists_the_parcel(shop, readable_pdfs):
    # given a shipment of 2 of 3 mugs and the poster
    order = paid(("MUG-1", 3), ("POSTER-1", 1))
    shipment = shipment_create(
        order=order,
        lines=[(line_of(order, "MUG-1").pk, 2), (line_of(order, "POSTER-1").pk, 1)],
        carrier="manual",
        service="DHL Paket",
        tracking_number="JD014600003828",
        actor=SYSTEM,
    )

    # when
    document = slips(shipment)

    # then
    assert document.startswith(b"%PDF-")
    assert page_count(document) == 1
    text = pdf_text(document)
    for expected in (
        "My Shop",
        "Packing slip",
        order.number,
        shipment.number,
        "DHL Paket",
        "JD014600003828",
        "Ada Lovelace",
        "1 Analytical St",
        "N1 1AA London",
        "MUG-1",
        "Product POSTER-1",
        "Units in this parcel: 3",
    ):
        assert expected in text, expected
    # Latin-1 text needs no embedded font
    assert b"/FontFile2" not in document


def test_a_batch_has_one_slip_per_page(shop, readable_pdfs):
    # given three orders' shipments
    orders = [paid(("MUG-1", 1)), paid(("POSTER-1", 2)), paid(("MUG-1", 1), ("POSTER-1", 1))]
    shipments = [ship_all(order) for order in orders]

    # when
    document = slips(*shipments)

    # then
    assert document.startswith(b"%PDF-")
    assert page_count(document) == 3
    text = pdf_text(document)
    for order, shipment in zip(orders, shipments, strict=True):
        assert order.number in text
        assert shipment.number in text


def test_a_long_slip_runs_on_over_pages_and_the_next_starts_on_its_own(shop, readable_pdfs):
    # given an order of 40 different SKUs, and a small one
    for i in range(40):
        make_variant(f"SKU-{i:02d}", stock=5)
    big = ship_all(paid(*((f"SKU-{i:02d}", 1) for i in range(40))))
    small = ship_all(paid(("MUG-1", 1)))

    # when
    document = slips(big, small)

    # then the big slip takes two pages and the small one a third
    assert page_count(document) == 3
    assert "SKU-39" in pdf_text(document)


def test_chinese_names_and_titles_print_in_a_unicode_font(shop, readable_pdfs):
    # given
    require_unicode_font()
    make_variant("CUP-1", stock=5, name="青花瓷杯")
    order = paid(("CUP-1", 2), shipping_address=CHINESE_ADDRESS)

    # when
    document = slips(ship_all(order, carrier="sandbox", service="standard"))

    # then the font is embedded and the text reads back as written
    assert b"/FontFile2" in document
    text = pdf_text(document)
    for expected in (
        "张伟",
        "建国路 88 号",
        "100022 北京",
        "Product CUP-1 — 青花瓷杯",
        order.number,
    ):
        assert expected in text, expected


def test_a_chinese_customer_gets_the_slip_in_chinese(shop, readable_pdfs):
    # given a customer who chose Simplified Chinese
    require_unicode_font()
    order = paid(("MUG-1", 1), language="zh-hans", shipping_address=CHINESE_ADDRESS)

    # when
    text = pdf_text(slips(ship_all(order)))

    # then
    for expected in ("装箱单", "收货地址", "感谢您的订购", "本包裹件数"):
        assert expected in text, expected
    assert "Packing slip" not in text


def test_without_a_unicode_font_the_slip_still_prints(shop, readable_pdfs, monkeypatch, caplog):
    # given no Unicode font on the machine
    monkeypatch.setattr(pdf, "UNICODE_FONTS", ())
    order = paid(("MUG-1", 1), shipping_address={**ADDRESS, "name": "张伟 Zhang Wei"})

    # when
    with caplog.at_level(logging.WARNING, logger="soloops.fulfillment.pdf"):
        document = slips(ship_all(order))

    # then the Latin text is all there and the Chinese is replaced, with a warning
    assert document.startswith(b"%PDF-")
    text = pdf_text(document)
    assert "?? Zhang Wei" in text
    assert order.number in text
    assert "fonts-wqy-microhei" in caplog.text
