"""What every carrier offers the fulfillment services: check a request, make a label.

A carrier call has outside effects (a real carrier charges for each label), so it never runs
inside a database transaction, and every call carries an idempotency key derived from the
shipment: asked twice with one key, a carrier answers with the same label, never a second one.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from soloops.errors import InvalidInput
from soloops.fulfillment.errors import FulfillmentErrorCode as Code

TRACKING_MAX = 100
URL_MAX = 500


@dataclass(frozen=True)
class LabelRequest:
    """Everything a carrier needs to label one parcel."""

    idempotency_key: str
    shipment_number: str
    order_number: str
    service: str
    ship_from: str  # the shop's name
    ship_to: dict  # the order's shipping address
    lines: tuple[tuple[str, str, int], ...]  # (sku, title, quantity)
    created_at: datetime  # when the shipment was created


@dataclass(frozen=True)
class Label:
    tracking_number: str
    tracking_url: str
    pdf: bytes


class Carrier:
    code: str = ""
    makes_labels: bool = False
    # Service codes the carrier offers; None means any short text the owner types.
    services: tuple[str, ...] | None = None

    def display_name(self, service: str) -> str:
        """How the customer's email and the packing slip name the carrier."""
        raise NotImplementedError

    def check(self, *, service: str, tracking_number: str, tracking_url: str) -> None:
        """Refuse a service, tracking number or URL this carrier cannot take (InvalidInput)."""
        if self.services is not None and service not in self.services:
            raise InvalidInput(
                Code.UNKNOWN_SERVICE,
                f"the {self.code} carrier offers {', '.join(self.services)}, not {service!r}",
                field="service",
                extra={"services": list(self.services)},
            )
        if not 1 <= len(service) <= 64:
            raise InvalidInput(
                Code.UNKNOWN_SERVICE, "service must be 1 to 64 characters", field="service"
            )

    def create_label(self, request: LabelRequest) -> Label:
        raise NotImplementedError(f"the {self.code} carrier makes no labels")


def check_tracking(tracking_number: str, tracking_url: str) -> None:
    if len(tracking_number) > TRACKING_MAX or not tracking_number.isprintable():
        raise InvalidInput(
            Code.INVALID_TRACKING,
            f"a tracking number is at most {TRACKING_MAX} printable characters",
            field="tracking_number",
        )
    if tracking_url:
        try:
            URLValidator(schemes=["http", "https"])(tracking_url)
        except ValidationError:
            raise InvalidInput(
                Code.INVALID_TRACKING,
                "the tracking URL must be an http:// or https:// address",
                field="tracking_url",
            ) from None
        if len(tracking_url) > URL_MAX:
            raise InvalidInput(
                Code.INVALID_TRACKING,
                f"the tracking URL is at most {URL_MAX} characters",
                field="tracking_url",
            )
