"""Packing slips: what goes in the parcel with the goods, in the customer's language.

One PDF for one shipment, or one for many (each slip starts on its own page), to print a
day's parcels at once. Shipments come from ``selectors`` with order, customer and lines loaded.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext

from soloops.formatting import date_display, delivery_days_display
from soloops.fulfillment.carriers import CARRIERS
from soloops.fulfillment.models import Shipment
from soloops.fulfillment.pdf import Page
from soloops.shop.selectors import shop_profile

NEXT = {"new_x": "LMARGIN", "new_y": "NEXT"}  # fpdf2 takes its XPos/YPos names


@dataclass(frozen=True)
class Slip:
    """A slip's text, already in the customer's language."""

    title: str
    details: list[tuple[str, str]]
    ship_to_label: str
    ship_to: list[str]
    headings: tuple[str, str, str]
    lines: list[tuple[str, str, str]]
    total: str
    thanks: str

    def texts(self) -> list[str]:
        return [
            self.title,
            *(t for pair in self.details for t in pair),
            self.ship_to_label,
            *self.ship_to,
            *self.headings,
            *(t for line in self.lines for t in line),
            self.total,
            self.thanks,
        ]


def _language(shipment: Shipment) -> str:
    language = shipment.order.customer.language
    return language if language in dict(settings.LANGUAGES) else shop_profile().language


def address_lines(address: dict) -> list[str]:
    city = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
    parts = [
        address.get("name"),
        address.get("line1"),
        address.get("line2"),
        city,
        address.get("region"),
        address.get("country"),
    ]
    return [str(p) for p in parts if p]


def delivery_text(order) -> str:
    """The delivery method the customer chose, with its promise: "Express (1-2 days)"."""
    days = delivery_days_display(order.shipping_days_min, order.shipping_days_max)
    return f"{order.shipping_method} ({days})" if days else order.shipping_method


def _slip(shipment: Shipment) -> Slip:
    carrier = CARRIERS.get(shipment.carrier)
    carrier_name = carrier.display_name(shipment.service) if carrier else shipment.carrier
    with translation.override(_language(shipment)):
        lines = [
            (line.order_line.sku, line.order_line.title, str(line.quantity))
            for line in shipment.lines.all()
        ]
        return Slip(
            title=pgettext("packing slip", "Packing slip"),
            details=[
                (pgettext("packing slip", "Order"), shipment.order.number),
                (pgettext("packing slip", "Shipment"), shipment.number),
                (
                    pgettext("packing slip", "Date"),
                    date_display(shipment.created_at),
                ),
                (pgettext("packing slip", "Carrier"), carrier_name),
                (pgettext("packing slip", "Tracking number"), shipment.tracking_number or "-"),
                *(
                    [(pgettext("packing slip", "Delivery"), delivery_text(shipment.order))]
                    if shipment.order.shipping_method
                    else []
                ),
            ],
            ship_to_label=pgettext("packing slip", "Ship to"),
            ship_to=address_lines(shipment.order.shipping_address),
            headings=(
                pgettext("packing slip", "SKU"),
                pgettext("packing slip", "Item"),
                pgettext("packing slip", "Qty"),
            ),
            lines=lines,
            total=pgettext("packing slip", "Units in this parcel: %(count)s")
            % {"count": sum(line.quantity for line in shipment.lines.all())},
            thanks=pgettext("packing slip", "Thank you for your order!"),
        )


def _draw(page: Page, slip: Slip) -> None:
    pdf = page.pdf
    pdf.add_page()
    page.font(18, bold=True)
    pdf.cell(0, 9, page.text(shop_profile().name), **NEXT)
    page.font(13)
    pdf.cell(0, 8, page.text(slip.title), **NEXT)
    pdf.ln(4)
    top = pdf.get_y()
    for label, value in slip.details:
        page.font(9)
        pdf.cell(32, 6, page.text(label))
        page.font(10)
        pdf.cell(70, 6, page.text(value), **NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(120, top)
    page.font(9)
    pdf.cell(75, 6, page.text(slip.ship_to_label), new_x="LEFT", new_y="NEXT")
    page.font(11)
    pdf.multi_cell(75, 5.5, page.text("\n".join(slip.ship_to)), **NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
    page.font(10)
    from fpdf.fonts import FontFace

    headings = FontFace(emphasis="BOLD" if page.core else None, fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=(40, 120, 20),
        text_align=("LEFT", "LEFT", "RIGHT"),
        headings_style=headings,
        line_height=6,
    ) as table:
        row = table.row()
        for heading in slip.headings:
            row.cell(page.text(heading))
        for line in slip.lines:
            row = table.row()
            for value in line:
                row.cell(page.text(value))
    pdf.ln(4)
    page.font(10)
    pdf.cell(0, 6, page.text(slip.total), **NEXT)
    pdf.ln(6)
    pdf.cell(0, 6, page.text(slip.thanks), **NEXT)


def packing_slips_pdf(shipments: Sequence[Shipment]) -> bytes:
    """One PDF with a slip for each shipment, each starting on a new page."""
    slips = [_slip(s) for s in shipments]
    title = (
        f"Packing slip {shipments[0].number}"
        if len(shipments) == 1
        else f"Packing slips ({len(shipments)})"
    )
    page = Page(texts=[shop_profile().name, *(t for s in slips for t in s.texts())], title=title)
    page.pdf.set_auto_page_break(True, margin=15)
    page.pdf.set_margins(15, 15, 15)
    for slip in slips:
        _draw(page, slip)
    return page.output()
