"""The emails SoloOps knows how to send: each template's key, purpose and sample context.

The sample context is what the owner's preview renders against and what a template edit is
test-rendered with; it also documents which variables each template receives. Every template
also gets ``shop_name``.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("en", "zh-hans")

_ORDER = {
    "number": "SO-2026-7K3QXM2A",
    "placed_on": "2026-03-14",
    "currency": "EUR",
    "subtotal": "42.50",
    "shipping": "4.90",
    "shipping_method": "Standard",
    "shipping_days_min": 3,
    "shipping_days_max": 5,
    "tax": "9.48",
    "total": "56.88",
    "url": "https://shop.example.com/shop/orders/Xq2mB7d0/",
    "lines": [
        {
            "sku": "MUG-1",
            "title": "Blue mug",
            "quantity": 1,
            "unit_price": "12.50",
            "line_total": "12.50",
        },
        {
            "sku": "POSTER-1",
            "title": "Harbour poster",
            "quantity": 1,
            "unit_price": "30.00",
            "line_total": "30.00",
        },
    ],
    "shipping_address": {
        "name": "Ada Lovelace",
        "line1": "1 Analytical St",
        "line2": "",
        "city": "London",
        "postal_code": "N1 1AA",
        "country": "GB",
    },
}
_CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com"}
_SUGGESTIONS = [
    {
        "sku": "SAUCER-1",
        "name": "Blue saucer",
        "price": "8.00",
        "currency": "EUR",
        "reason": "bought_together",
        "url": "https://shop.example.com/shop/p/blue-saucer/",
    },
]


@dataclass(frozen=True)
class Kind:
    key: str
    description: Promise
    sample: dict = field(default_factory=dict)
    # Marketing email carries List-Unsubscribe (and needs an ``unsubscribe_url`` in its
    # context); transactional email (order, payment, shipping) must not.
    marketing: bool = False


KINDS: dict[str, Kind] = {
    k.key: k
    for k in [
        Kind(
            "order_confirmation",
            _("To the customer when their order is accepted"),
            {"order": _ORDER, "customer": _CUSTOMER},
        ),
        Kind(
            "order_paid",
            _("To the customer when their payment is received"),
            {"order": _ORDER, "customer": _CUSTOMER},
        ),
        Kind(
            "order_shipped",
            _("To the customer when a shipment leaves, with its tracking link"),
            {
                "order": _ORDER,
                "customer": _CUSTOMER,
                "shipment": {
                    "carrier": "DHL",
                    "tracking_number": "JD014600003828",
                    "tracking_url": "https://www.dhl.com/track?id=JD014600003828",
                },
                # Up to three products the customer does not have (soloops.marketing).
                "recommendations": _SUGGESTIONS,
            },
        ),
        Kind(
            "order_delivered",
            _("To the customer when their order is delivered, asking for a review"),
            {"order": _ORDER, "customer": _CUSTOMER},
        ),
        Kind(
            "order_follow_up",
            _("To the customer some days after delivery, asking how it went"),
            {
                "order": _ORDER,
                "customer": _CUSTOMER,
                # Up to three products the customer does not have (soloops.marketing).
                "recommendations": _SUGGESTIONS,
            },
        ),
        Kind(
            "order_cancelled",
            _("To the customer when their order is cancelled"),
            {"order": _ORDER, "customer": _CUSTOMER},
        ),
        Kind(
            "order_refunded",
            _("To the customer when money is refunded"),
            {
                "order": _ORDER,
                "customer": _CUSTOMER,
                "refund": {"amount": "12.50", "currency": "EUR"},
            },
        ),
        Kind(
            "owner_notification",
            _("To the owner: a notice from an automation flow"),
            {
                "subject": "Order SO-2026-7K3QXM2A needs a look",
                "body": "A first order over 500 EUR is on hold for your review.",
                "url": "https://shop.example.com/orders/SO-2026-7K3QXM2A",
            },
        ),
        Kind(
            "support_reply",
            _("To a customer: the shop's answer to their message"),
            {
                "body": "Your order left us on Monday; DHL expects to deliver it on Thursday.",
                "subject": "Where is my order?",
                "conversation": {"ref": "C-7K3QXM2A"},
                "customer": _CUSTOMER,
                "order": {"number": "SO-2026-7K3QXM2A"},
                "rating": {
                    "good_url": "https://shop.example.com/shop/rate/Xq2mB7d0/good/",
                    "bad_url": "https://shop.example.com/shop/rate/Xq2mB7d0/bad/",
                },
            },
        ),
        Kind(
            "marketing_message",
            _("To a customer who opted in: a campaign or a drip (welcome, win-back, ...)"),
            {
                "customer": _CUSTOMER,
                "subject": "Autumn is here: new mugs",
                "body": "Our autumn glazes are out, in rust and moss.\nThey go fast.",
                "link_url": "https://shop.example.com/go/Xq2mB7d0/",
                "link_text": "See the new mugs",
                "recommendations": [
                    {
                        "title": "Sand mug",
                        "price": "12.50",
                        "currency": "EUR",
                        "url": "https://shop.example.com/go/Yr3nC8e1/",
                    }
                ],
                "unsubscribe_url": "https://shop.example.com/shop/unsubscribe/Zs4oD9f2/",
            },
            marketing=True,
        ),
        Kind(
            "test_email",
            _("To whoever the owner names: a test that the shop's email works"),
            {
                "sent_by": "olivia",
                "transport": "smtp",
                "sender": "shop@example.com",
                "reply_to": "hello@example.com",
            },
        ),
        Kind(
            "purchase_order",
            _("To a supplier: a purchase order, with the PDF attached"),
            {
                "supplier": {"name": "Harbour Ceramics", "contact": "Grace"},
                "purchase_order": {
                    "number": "PO-2026-0042",
                    "currency": "EUR",
                    "total": "180.00",
                    "expected_on": "2026-03-28",
                    "note": "Please pack the mugs in twos.",
                    "lines": [
                        {
                            "sku": "MUG-1",
                            "supplier_sku": "HC-MUG-BLUE",
                            "title": "Blue mug",
                            "quantity": 24,
                            "unit_cost": "5.00",
                            "line_total": "120.00",
                        },
                        {
                            "sku": "MUG-2",
                            "supplier_sku": "HC-MUG-SAND",
                            "title": "Sand mug",
                            "quantity": 12,
                            "unit_cost": "5.00",
                            "line_total": "60.00",
                        },
                    ],
                },
            },
        ),
    ]
}


def language_for(code: str | None, default: str = "en") -> str:
    """The supported email language closest to a customer's or the shop's language code."""
    code = (code or "").strip().lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hans"
    if code.startswith("en"):
        return "en"
    return default
