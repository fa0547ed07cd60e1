"""The carriers SoloOps can ship with, behind one interface (``base.Carrier``).

- ``manual``: the owner ships at the counter and types the tracking number and URL;
- ``sandbox``: a pretend carrier that makes tracking numbers and label PDFs, for trying out.

A real carrier (an HTTP API) is one more subclass here, listed in ``CARRIERS``.
"""

from soloops.errors import InvalidInput
from soloops.fulfillment.carriers.base import Carrier, Label, LabelRequest
from soloops.fulfillment.carriers.manual import ManualCarrier
from soloops.fulfillment.carriers.sandbox import SandboxCarrier
from soloops.fulfillment.errors import FulfillmentErrorCode as Code

CARRIERS: dict[str, Carrier] = {c.code: c for c in (ManualCarrier(), SandboxCarrier())}


def carrier_get(code: str) -> Carrier:
    carrier = CARRIERS.get(code)
    if carrier is None:
        raise InvalidInput(
            Code.UNKNOWN_CARRIER,
            f"unknown carrier {code!r}; choose one of {', '.join(CARRIERS)}",
            field="carrier",
            extra={"carriers": list(CARRIERS)},
        )
    return carrier


__all__ = ["CARRIERS", "Carrier", "Label", "LabelRequest", "carrier_get"]
