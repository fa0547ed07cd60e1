"""The purchase order PDF writes money the shop's one way, in its language."""

import re
import zlib

from soloops.purchasing.documents import purchase_order_pdf
from soloops.purchasing.services import purchase_orders_draft_for_low_stock
from tests.factories import SYSTEM
from tests.fulfillment.pdftext import pdf_text
from tests.purchasing.conftest import make_supplier, sells, sku


def inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams written out, so its text can be read."""

    def inflate(match: re.Match) -> bytes:
        try:
            return b"stream\n" + zlib.decompressobj().decompress(match[1]) + b"\nendstream"
        except zlib.error:
            return match[0]

    return re.sub(rb"(?<!end)stream\r?\n(.*?)endstream", inflate, pdf, flags=re.S)


def test_the_purchase_order_pdf_writes_money_like_the_console(db):
    # given a draft for 10 cups at 2.40 from a supplier
    supplier = make_supplier("Acme")
    sells(supplier, sku("CUP-1", stock=0), cost="2.40")
    [po] = purchase_orders_draft_for_low_stock(actor=SYSTEM).created

    # when it is written in English
    text = pdf_text(inflated(purchase_order_pdf(po, language="en")))

    # then the total is written as money, as on the console ("€24.00", not "24.00 EUR")
    assert f"Total: €{po.total}" in text, text
    assert f"{po.total} EUR" not in text
