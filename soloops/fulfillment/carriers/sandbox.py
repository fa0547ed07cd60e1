import hashlib

from soloops.errors import InvalidInput
from soloops.fulfillment.carriers.base import Carrier, Label, LabelRequest
from soloops.fulfillment.errors import FulfillmentErrorCode as Code
from soloops.fulfillment.pdf import Page
from soloops.numbers import ALPHABET

TRACKING_URL = "https://sandbox.carrier.example/track/{}"
NEXT_X, NEXT_Y = "LMARGIN", "NEXT"  # fpdf2's XPos/YPos, by name


def tracking_number_for(idempotency_key: str) -> str:
    """SBX + 12 characters derived from the key: one key, one tracking number, always."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    chars = []
    for _ in range(12):
        digest, i = divmod(digest, 32)
        chars.append(ALPHABET[i])
    return "SBX" + "".join(chars)


class SandboxCarrier(Carrier):
    """A carrier for trying SoloOps out and for tests: no account, no network, no cost.

    It answers like a real carrier's label API would: a tracking number, a tracking URL and
    a label PDF, all derived from the idempotency key and the request alone, so a retried
    label request returns the very same label (same tracking number, same bytes), never a
    second one. The URL leads nowhere (``.example`` is reserved) and the label says SANDBOX.
    """

    code = "sandbox"
    makes_labels = True
    services = ("standard", "express")

    def display_name(self, service: str) -> str:
        return f"Sandbox {service.capitalize()}"

    def check(self, *, service: str, tracking_number: str, tracking_url: str) -> None:
        super().check(service=service, tracking_number=tracking_number, tracking_url=tracking_url)
        if tracking_number or tracking_url:
            raise InvalidInput(
                Code.INVALID_TRACKING,
                "the sandbox carrier assigns the tracking number itself",
                field="tracking_number" if tracking_number else "tracking_url",
            )

    def create_label(self, request: LabelRequest) -> Label:
        tracking = tracking_number_for(request.idempotency_key)
        return Label(
            tracking_number=tracking,
            tracking_url=TRACKING_URL.format(tracking),
            pdf=label_pdf(request, tracking),
        )


def label_pdf(request: LabelRequest, tracking: str) -> bytes:
    """A 100 x 150 mm (4 x 6 in) label, the size label printers take. The same request and
    tracking number always give the same bytes (the creation date is the shipment's)."""
    address = request.ship_to
    lines = [
        address.get("name", ""),
        address.get("line1", ""),
        address.get("line2", ""),
        " ".join(p for p in (address.get("postal_code", ""), address.get("city", "")) if p),
        address.get("region", ""),
        address.get("country", ""),
    ]
    lines = [str(line) for line in lines if line]
    page = Page(
        texts=[request.ship_from, *lines],
        title=f"Label {tracking} for {request.shipment_number}",
        format=(100, 150),
    )
    pdf = page.pdf
    pdf.set_creation_date(request.created_at)
    pdf.set_margins(6, 6, 6)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    page.font(9, bold=True)
    pdf.cell(0, 7, "SANDBOX - NOT A REAL LABEL", border=1, align="C", new_x=NEXT_X, new_y=NEXT_Y)
    page.font(16, bold=True)
    pdf.cell(0, 10, request.service.upper(), new_x=NEXT_X, new_y=NEXT_Y)
    page.font(7)
    pdf.cell(0, 4, "FROM", new_x=NEXT_X, new_y=NEXT_Y)
    page.font(10)
    pdf.cell(0, 5, page.text(request.ship_from), new_x=NEXT_X, new_y=NEXT_Y)
    pdf.ln(3)
    page.font(7)
    pdf.cell(0, 4, "TO", new_x=NEXT_X, new_y=NEXT_Y)
    page.font(13)
    pdf.multi_cell(0, 6, page.text("\n".join(lines)), new_x=NEXT_X, new_y=NEXT_Y)
    barcode = f"*{tracking}*"
    # fpdf2's ``w`` is the wide bar; a Code 39 character is 16 narrow bars (w / 3) wide.
    wide = 0.72
    pdf.code39(barcode, x=(100 - len(barcode) * 16 * wide / 3) / 2, y=100, w=wide, h=22)
    pdf.set_xy(6, 124)
    page.font(12, bold=True)
    pdf.cell(0, 6, tracking, align="C", new_x=NEXT_X, new_y=NEXT_Y)
    page.font(8)
    pdf.cell(
        0,
        5,
        f"Shipment {request.shipment_number}  Order {request.order_number}",
        align="C",
        new_x=NEXT_X,
        new_y=NEXT_Y,
    )
    return page.output()
