"""A purchase order as the supplier gets it: a PDF to read and a CSV to import.

The PDF is drawn with fpdf2 (pure Python). Its fonts must cover every character of the shop's
product names and of the labels in the shop's language: it uses DejaVu Sans when installed
(Latin, Greek, Cyrillic; Debian ``fonts-dejavu-core``) and adds a CJK font only when the text
needs one (``fonts-wqy-microhei`` or Noto CJK; loading one takes about a second). Without
them it falls back to the PDF core font Helvetica, and characters it cannot draw print as "?".
"""

import csv
import io
import logging
from pathlib import Path

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from soloops.formatting import money_display
from soloops.purchasing.models import PurchaseOrder
from soloops.shop.selectors import shop_profile

# fontTools logs every glyph subset at INFO: dozens of lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

UNICODE_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
]
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
]
CSV_COLUMNS = [
    "po_number",
    "supplier_sku",
    "sku",
    "description",
    "quantity",
    "unit_cost",
    "line_total",
    "currency",
]


def _first_existing(paths: list[str]) -> str | None:
    return next((p for p in paths if Path(p).is_file()), None)


def _needs_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


class _Document:
    def __init__(self, text_sample: str) -> None:
        from fpdf import FPDF  # fpdf2 and fontTools load with the first document

        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()
        main = _first_existing(UNICODE_FONTS)
        cjk = _first_existing(CJK_FONTS) if _needs_cjk(text_sample) else None
        if main:
            bold = main.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            self.pdf.add_font("main", fname=main)
            self.pdf.add_font("main", style="B", fname=bold if Path(bold).is_file() else main)
        if cjk:
            # The same face for bold: a CJK collection has no bold in it.
            family = "cjk" if main else "main"
            self.pdf.add_font(family, fname=cjk, collection_font_number=0)
            self.pdf.add_font(family, style="B", fname=cjk, collection_font_number=0)
            if main:
                self.pdf.set_fallback_fonts(["cjk"])
        self.unicode = bool(main or cjk)
        self.family = "main" if self.unicode else "helvetica"

    def text(self, value: object) -> str:
        value = str(value)
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def line(self, value: object, *, size: float = 10, bold: bool = False, height: float = 6):
        self.pdf.set_font(self.family, style="B" if bold else "", size=size)
        self.pdf.multi_cell(0, height, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def table(self, rows: list[list[object]]) -> None:
        self.pdf.set_font(self.family, size=9)
        with self.pdf.table(
            col_widths=(30, 28, 62, 20, 25, 25),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            borders_layout="HORIZONTAL_LINES",
            line_height=6,
        ) as table:
            for values in rows:
                table.row([self.text(v) for v in values])


def purchase_order_pdf(po: PurchaseOrder, *, language: str | None = None) -> bytes:
    """The PDF the supplier receives. Precondition: ``po`` has supplier and lines loaded."""
    lines = list(po.lines.all())
    shop = shop_profile()
    with translation.override(language or shop.language):
        expected = formats.date_format(po.expected_date) if po.expected_date else "-"
        heading = [
            _("Purchase order %(number)s") % {"number": po.number},
            _("To: %(supplier)s <%(email)s>")
            % {"supplier": po.supplier.name, "email": po.supplier.email},
            _("Date: %(date)s") % {"date": formats.date_format(timezone.localdate())},
            _("Expected by: %(date)s") % {"date": expected},
        ]
        columns = [
            _("Your SKU"),
            _("Our SKU"),
            _("Description"),
            _("Quantity"),
            _("Unit cost"),
            _("Line total"),
        ]
        total = _("Total: %(amount)s") % {"amount": money_display(po.total, po.currency)}
        footer = _("Please confirm this order and its delivery date by replying to this email.")
        rows = [
            [
                ln.supplier_sku,
                ln.sku,
                ln.title,
                ln.quantity_ordered,
                money_display(ln.unit_cost, po.currency),
                money_display(ln.line_total, po.currency),
            ]
            for ln in lines
        ]
    sample = " ".join([shop.name, *heading, *columns, total, footer, *(r[2] for r in rows)])
    doc = _Document(sample)
    doc.line(shop.name)
    doc.line(heading[0], size=16, bold=True, height=10)
    for text in heading[1:]:
        doc.line(text)
    doc.pdf.ln(4)
    doc.table([columns, *rows])
    doc.pdf.ln(4)
    doc.line(total, size=11, bold=True)
    doc.pdf.ln(4)
    doc.line(footer, size=9)
    return bytes(doc.pdf.output())


def purchase_order_csv(po: PurchaseOrder) -> bytes:
    """One row per line, fixed English column names (for the supplier's import), UTF-8 with a
    byte-order mark so spreadsheet programs read non-ASCII names correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for ln in po.lines.all():
        writer.writerow(
            [
                po.number,
                ln.supplier_sku,
                ln.sku,
                _csv_safe(ln.title),
                ln.quantity_ordered,
                ln.unit_cost,
                ln.line_total,
                po.currency,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
