"""Sales channel adapters, one module per platform: how its webhooks are signed and named,
how its order maps onto our intake, and how its REST API lists orders for the catch-up poll.

Each adapter module offers ``verify(secret, body, headers)``, ``delivery_id(headers)``,
``topic(headers)``, ``to_order(payload) -> ChannelOrder`` and ``fetch_orders(url, token,
since)``; ``adapter(kind)`` picks one."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelLine:
    sku: str  # the channel's SKU (mapped to ours later)
    quantity: int


@dataclass(frozen=True)
class ChannelOrder:
    external_id: str
    email: str
    name: str
    lines: list[ChannelLine]
    shipping_address: dict = field(default_factory=dict)
    billing_address: dict = field(default_factory=dict)
    note: str = ""
    cancelled: bool = False


class NotAnOrder(ValueError):
    """The payload does not hold what an order needs (the message says what is missing)."""


def adapter(kind: str):
    from . import generic, shopify, woocommerce

    return {"shopify": shopify, "woocommerce": woocommerce, "generic": generic}[kind]
