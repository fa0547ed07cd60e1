"""Our own signed JSON channel, for anything else (a marketplace bridge, a form tool).

``POST /webhooks/channels/<id>`` with ``X-SoloOps-Signature: t=<unix time>,v1=<hex>`` (HMAC-SHA256
of ``"<t>.<raw body>"`` with the channel's secret, at most 300 s old — the scheme of our
outbound webhooks), ``X-SoloOps-Delivery`` (a unique id per delivery; retries repeat it) and
optionally ``X-SoloOps-Topic: order.cancelled`` or ``order.updated``. The body::

    {"id": "their order id", "email": "...", "name": "...",
     "lines": [{"sku": "MUG-1", "quantity": 2}],
     "shipping_address": {"name", "line1", "line2", "city", "postal_code", "country"},
     "billing_address": {...}, "note": "...", "cancelled": false}
"""

import time
from datetime import datetime

from soloops.integrations.webhooks.signing import verify as verify_signature

from . import ChannelLine, ChannelOrder, NotAnOrder

TOLERANCE = 300


def verify(secret: str, body: bytes, headers) -> bool:
    header = headers.get("X-SoloOps-Signature", "")
    return verify_signature(
        secret=secret, body=body, header=header, now=int(time.time()), tolerance=TOLERANCE
    )


def delivery_id(headers) -> str:
    return headers.get("X-SoloOps-Delivery", "")[:200]


def topic(headers) -> str:
    return headers.get("X-SoloOps-Topic", "order.created")[:100]


def to_order(payload: dict) -> ChannelOrder:
    try:
        lines = [
            ChannelLine(sku=str(item["sku"]), quantity=int(item["quantity"]))
            for item in payload["lines"]
        ]
        return ChannelOrder(
            external_id=str(payload["id"])[:100],
            email=str(payload.get("email") or ""),
            name=str(payload.get("name") or ""),
            lines=lines,
            shipping_address=dict(payload.get("shipping_address") or {}),
            billing_address=dict(payload.get("billing_address") or {}),
            note=str(payload.get("note") or "")[:1000],
            cancelled=payload.get("cancelled") is True,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise NotAnOrder(f"not an order in SoloOps's channel format: {e!r}") from None


def fetch_orders(url: str, token: str, since: datetime | None) -> list[dict]:
    raise NotAnOrder("a generic channel has no API to poll")
