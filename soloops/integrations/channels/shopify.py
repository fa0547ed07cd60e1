"""Shopify: ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw body with the app's
secret; ``X-Shopify-Webhook-Id`` names the delivery; ``X-Shopify-Topic`` is ``orders/create``,
``orders/updated``, ``orders/cancelled``. The catch-up poll reads
``GET {store}/admin/api/2024-10/orders.json?status=any&created_at_min=…`` with
``X-Shopify-Access-Token``, following the ``Link: <…>; rel="next"`` header page by page
(Shopify's cursor pagination)."""

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

from . import ChannelLine, ChannelOrder, NotAnOrder
from ._http import MAX_PAGES, get_page, next_link

API_VERSION = "2024-10"


def verify(secret: str, body: bytes, headers) -> bool:
    given = headers.get("X-Shopify-Hmac-Sha256", "")
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return bool(given) and hmac.compare_digest(expected, given)


def delivery_id(headers) -> str:
    return headers.get("X-Shopify-Webhook-Id", "")[:200]


def topic(headers) -> str:
    return headers.get("X-Shopify-Topic", "")[:100]


def _address(raw) -> dict:
    if not isinstance(raw, dict):
        return {}
    name = raw.get("name") or " ".join(filter(None, [raw.get("first_name"), raw.get("last_name")]))
    return {
        "name": name or "",
        "line1": raw.get("address1") or "",
        "line2": raw.get("address2") or "",
        "city": raw.get("city") or "",
        "postal_code": raw.get("zip") or "",
        "country": (raw.get("country_code") or "").upper(),
    }


def to_order(payload: dict) -> ChannelOrder:
    try:
        external_id = str(payload["id"])
        email = payload.get("email") or (payload.get("customer") or {}).get("email") or ""
        lines = [
            ChannelLine(sku=str(item.get("sku") or ""), quantity=int(item["quantity"]))
            for item in payload["line_items"]
        ]
    except (KeyError, TypeError, ValueError) as e:
        raise NotAnOrder(f"not a Shopify order: {e!r} missing or invalid") from None
    shipping = _address(payload.get("shipping_address"))
    return ChannelOrder(
        external_id=external_id,
        email=email,
        name=shipping.get("name") or "",
        lines=lines,
        shipping_address={k: v for k, v in shipping.items() if v},
        billing_address={k: v for k, v in _address(payload.get("billing_address")).items() if v},
        note=str(payload.get("note") or "")[:1000],
        cancelled=bool(payload.get("cancelled_at")),
    )


def fetch_orders(url: str, token: str, since: datetime | None) -> list[dict]:
    query = {"status": "any", "limit": 250}
    if since:
        query["created_at_min"] = since.isoformat()
    endpoint = f"{url.rstrip('/')}/admin/api/{API_VERSION}/orders.json?{urlencode(query)}"
    orders: list[dict] = []
    for _page in range(MAX_PAGES):
        body, headers = get_page(endpoint, {"X-Shopify-Access-Token": token})
        orders.extend(body.get("orders", []) if isinstance(body, dict) else [])
        endpoint = next_link(headers.get("Link", ""), current=endpoint)
        if endpoint is None:
            break
    return orders
