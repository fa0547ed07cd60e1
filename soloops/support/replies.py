"""The wording of SoloOps' replies, per intent and language: shipped defaults the owner may
rewrite (Settings → Support replies), with placeholders filled from the order's live data.

A reply text is plain text with ``{name}`` placeholders — nothing else is interpreted: no
expressions, attributes, filters or tags, so an edited text can read only the values listed
in ``PLACEHOLDERS`` (stricter than the email templates' sandbox). ``{status}`` is the
sentence that tells what the order's real state is now (paid, shipped with its tracking
number, delivered ...): "Where is my order?" is always answered with the truth.
"""

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from soloops.support import intents

NO_ORDER = "no_order"  # any question when no order is identified
KEYS = (*intents.INTENTS, NO_ORDER)
LANGUAGES = ("en", "zh-hans")
TEXT_MAX = 2000

PLACEHOLDERS: dict[str, Promise] = {
    "status": _("what the order's real state is now (shipped, tracking, delivered …)"),
    "number": _("the order number"),
    "url": _("the link to the order's page"),
    "carrier": _("the carrier of the latest parcel"),
    "tracking_number": _("the tracking number of the latest parcel"),
    "tracking_link": _("the tracking link of the latest parcel"),
    "receipt": _(
        "the order's total, tax and payment, and the link to its page, which is its receipt"
    ),
    "name": _("the customer's name"),
    "shop": _("the shop's name"),
}
ORDER_PLACEHOLDERS = frozenset(
    {"status", "number", "url", "carrier", "tracking_number", "tracking_link", "receipt"}
)
_TOKEN = re.compile(r"\{([^{}]*)\}")

_STATUS = "{status}"
# Whole sentences with {status} inside: a lazy text joined to a str is translated at import.
_ABOUT = _("Thank you for your message about order {number}. {status}")
_CHANGE = _(
    "We have your request about order {number} and will confirm it by email shortly. {status}"
)
DEFAULTS: dict[str, Promise | str] = {
    intents.ORDER_STATUS: _STATUS,
    intents.SHIPPING: _STATUS,
    intents.CHANGE_ADDRESS: _CHANGE,
    intents.CANCEL_ORDER: _CHANGE,
    intents.RETURN_REFUND: _CHANGE,
    intents.PAYMENT_PROBLEM: _ABOUT,
    intents.INVOICE: _(
        "{receipt} If you need an invoice made out to a company, reply with its name, address "
        "and VAT number and we will send one."
    ),
    intents.PRODUCT_QUESTION: _ABOUT,
    intents.COMPLAINT: _ABOUT,
    intents.THANKS: _("You are welcome!"),
    intents.OTHER: _ABOUT,
    NO_ORDER: _(
        "Thank you for your message. Which order is it about? Its number (SO-…) is in your "
        "order confirmation."
    ),
}


def label(key: str) -> Promise:
    return intents.LABELS.get(key) or _("Any question without an identified order")


def allowed_names(key: str) -> tuple[str, ...]:
    """The placeholders a reply for ``key`` may use (without an order: none of the order's)."""
    if key == NO_ORDER:
        return tuple(k for k in PLACEHOLDERS if k not in ORDER_PLACEHOLDERS)
    return tuple(PLACEHOLDERS)


def sample() -> dict[str, str]:
    """Made-up values a preview fills in (in the active language)."""
    return {
        "status": str(_("Your order SO-2026-7K3QXM2A left us on 3 March with DHL. Tracking "
                        "number: 00340434161234567890.")),
        "number": "SO-2026-7K3QXM2A",
        "url": "https://shop.example.com/shop/orders/Xq2mB7d0/",
        "carrier": "DHL",
        "tracking_number": "00340434161234567890",
        "tracking_link": "https://www.dhl.com/track?id=00340434161234567890",
        "receipt": str(_("Your order SO-2026-7K3QXM2A of 3 March: €42.00 (tax €7.00), paid. Its "
                         "page lists every item, the shipping, the tax and the total, and is your "
                         "receipt: print it or save it as a PDF from your browser: "
                         "https://shop.example.com/shop/orders/Xq2mB7d0/")),
        "name": "Ada Lovelace",
        "shop": str(_("Your shop")),
    }  # fmt: skip


def problems(key: str, text: str) -> list[str]:
    """What is wrong with ``text`` as the reply for ``key`` (empty: nothing)."""
    found = []
    if not text.strip():
        found.append(str(_("The reply is empty.")))
    if len(text) > TEXT_MAX:
        found.append(str(_("A reply holds at most %(max)d characters.") % {"max": TEXT_MAX}))
    allowed = allowed_names(key)
    for name in dict.fromkeys(_TOKEN.findall(text)):
        if name not in allowed:
            found.append(
                str(_("Unknown placeholder {%(name)s}; use one of: %(known)s."))
                % {"name": name, "known": ", ".join(f"{{{k}}}" for k in allowed)}
            )
    if "{" in _TOKEN.sub("", text) or "}" in _TOKEN.sub("", text):
        found.append(str(_("A brace { or } without its pair.")))
    return found


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by its value (a checked text has no others)."""
    filled = _TOKEN.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
    return re.sub(r"[ \t]+", " ", filled).strip()
