"""WooCommerce: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the raw body with the
webhook's secret; ``X-WC-Webhook-Delivery-ID`` names the delivery; ``X-WC-Webhook-Topic`` is
``order.created``, ``order.updated``, ``order.deleted``. The catch-up poll reads
``GET {store}/wp-json/wc/v3/orders?after=…&page=N`` with the REST API key pair (basic auth),
page after page up to the ``X-WP-TotalPages`` the store answers."""

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

from . import ChannelLine, ChannelOrder, NotAnOrder
from ._http import MAX_PAGES, get_page


def verify(secret: str, body: bytes, headers) -> bool:
    given = headers.get("X-WC-Webhook-Signature", "")
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return bool(given) and hmac.compare_digest(expected, given)


def delivery_id(headers) -> str:
    return headers.get("X-WC-Webhook-Delivery-ID", "")[:200]


def topic(headers) -> str:
    return headers.get("X-WC-Webhook-Topic", "")[:100]


def _address(raw) -> dict:
    if not isinstance(raw, dict):
        return {}
    name = " ".join(filter(None, [raw.get("first_name"), raw.get("last_name")]))
    return {
        k: v
        for k, v in {
            "name": name,
            "line1": raw.get("address_1") or "",
            "line2": raw.get("address_2") or "",
            "city": raw.get("city") or "",
            "postal_code": raw.get("postcode") or "",
            "country": (raw.get("country") or "").upper(),
        }.items()
        if v
    }


def to_order(payload: dict) -> ChannelOrder:
    try:
        external_id = str(payload["id"])
        billing = payload.get("billing") or {}
        lines = [
            ChannelLine(sku=str(item.get("sku") or ""), quantity=int(item["quantity"]))
            for item in payload["line_items"]
        ]
    except (KeyError, TypeError, ValueError) as e:
        raise NotAnOrder(f"not a WooCommerce order: {e!r} missing or invalid") from None
    shipping = _address(payload.get("shipping")) or _address(billing)
    return ChannelOrder(
        external_id=external_id,
        email=str(billing.get("email") or ""),
        name=shipping.get("name", ""),
        lines=lines,
        shipping_address=shipping,
        billing_address=_address(billing),
        note=str(payload.get("customer_note") or "")[:1000],
        cancelled=payload.get("status") in ("cancelled", "refunded", "failed"),
    )


PER_PAGE = 100


def fetch_orders(url: str, token: str, since: datetime | None) -> list[dict]:
    query = {"per_page": PER_PAGE, "orderby": "id", "order": "asc"}
    if since:
        query["after"] = since.replace(tzinfo=None).isoformat(timespec="seconds")
    auth = base64.b64encode(token.encode()).decode()
    orders: list[dict] = []
    for page in range(1, MAX_PAGES + 1):
        endpoint = f"{url.rstrip('/')}/wp-json/wc/v3/orders?{urlencode({**query, 'page': page})}"
        body, headers = get_page(endpoint, {"Authorization": f"Basic {auth}"})
        batch = body if isinstance(body, list) else []
        orders.extend(batch)
        try:
            pages = int(headers.get("X-WP-TotalPages") or 0)
        except ValueError:
            pages = 0
        # Without the header, a short page is the last one.
        if (pages and page >= pages) or (not pages and len(batch) < PER_PAGE):
            break
    return orders
