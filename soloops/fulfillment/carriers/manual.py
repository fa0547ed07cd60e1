from soloops.errors import InvalidInput
from soloops.fulfillment.carriers.base import Carrier, check_tracking
from soloops.fulfillment.errors import FulfillmentErrorCode as Code


class ManualCarrier(Carrier):
    """The owner hands the parcel over at the counter and types what the carrier gave them.

    ``service`` is free text naming the carrier and product ("DHL Paket", "Royal Mail Tracked
    48"), shown to the customer. The tracking number is optional (a letter may go untracked);
    a tracking URL needs a tracking number.
    """

    code = "manual"
    makes_labels = False
    services = None

    def display_name(self, service: str) -> str:
        return service

    def check(self, *, service: str, tracking_number: str, tracking_url: str) -> None:
        super().check(service=service, tracking_number=tracking_number, tracking_url=tracking_url)
        check_tracking(tracking_number, tracking_url)
        if tracking_url and not tracking_number:
            raise InvalidInput(
                Code.INVALID_TRACKING,
                "give the tracking number together with its URL",
                field="tracking_number",
            )
