"""Replies written from the order's real state, in the customer's language.

"Where is my order?" is answered with what the order and its shipments say now — its status,
the carrier, the tracking number and link, the dates — never a generic text. Shipments belong
to fulfillment, which support may not import: their events (``shipment.shipped`` /
``shipment.delivered``, carrying ``order_number``) are read from the event log instead.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from soloops.events.selectors import events_carrying
from soloops.formatting import money_display
from soloops.shop.selectors import shop_name
from soloops.support import replies
from soloops.support.selectors import reply_text

SHIPMENT_EVENTS = ("shipment.shipped", "shipment.delivered", "shipment.cancelled")


def _day(when) -> str:
    return formats.date_format(timezone.localtime(when), "DATE_FORMAT") if when else ""


def order_url(order) -> str:
    path = reverse("storefront:confirmation", kwargs={"token": order.public_token})
    return f"{settings.SITE_URL}{path}"


def tracking(order) -> dict | None:
    """The latest parcel that left for ``order``: carrier, number, link, shipped/delivered."""
    latest: dict = {}
    for event in events_carrying(types=SHIPMENT_EVENTS, key="order_number", value=order.number):
        p = event.payload
        number = p.get("number", "")
        if event.type == "shipment.cancelled":
            latest.pop(number, None)
            continue
        parcel = latest.setdefault(number, {"shipped_at": event.created_at})
        parcel.update(
            carrier=p.get("carrier", ""),
            tracking_number=p.get("tracking_number", ""),
            tracking_url=p.get("tracking_url", "") or parcel.get("tracking_url", ""),
        )
        if event.type == "shipment.delivered":
            parcel["delivered_at"] = event.created_at
    return list(latest.values())[-1] if latest else None


def _status_text(order, parcel: dict | None) -> str:
    values = {"number": order.number, "placed": _day(order.placed_at), "url": order_url(order),
              "total": money_display(order.total, order.currency)}  # fmt: skip
    if parcel and parcel.get("delivered_at"):
        return _("The carrier delivered your order %(number)s on %(day)s.") % {
            **values, "day": _day(parcel["delivered_at"])
        }  # fmt: skip
    if parcel:
        text = _("Your order %(number)s left us on %(day)s with %(carrier)s. Tracking number: "
                 "%(tracking)s.") % {**values, "day": _day(parcel["shipped_at"]),
                                     "carrier": parcel["carrier"],
                                     "tracking": parcel["tracking_number"]}  # fmt: skip
        if parcel.get("tracking_url", "").startswith(("https://", "http://")):
            text += " " + _("Follow it here: %(link)s") % {"link": parcel["tracking_url"]}
        return text
    texts = {
        "placed": _("We have your order %(number)s (placed %(placed)s) and are checking it; we "
                    "email you as soon as it is accepted."),
        "on_hold": _("We have your order %(number)s (placed %(placed)s) and are checking it; we "
                     "email you as soon as it is accepted."),
        "accepted": _("Your order %(number)s is accepted and waits for your payment of "
                      "%(total)s: %(url)s"),
        "paid": _("Your order %(number)s is paid. We are packing it and email you the tracking "
                  "link as soon as it leaves."),
        "fulfilling": _("We are packing your order %(number)s now and email you the tracking "
                        "link as soon as it leaves."),
        "cancelled": _("Your order %(number)s was cancelled."),
        "rejected": _("We could not accept your order %(number)s."),
    }  # fmt: skip
    text = texts.get(order.status, _("Your order %(number)s is complete."))
    return text % values


PAID = frozenset({"paid", "fulfilling", "shipped", "delivered", "completed"})


def _receipt_text(order) -> str:
    """Invoice requests: the order's page is its receipt (SoloOps issues no separate invoice
    documents), so the answer gives its amounts, whether it is paid, and its link."""
    values = {"number": order.number, "placed": _day(order.placed_at), "url": order_url(order),
              "total": money_display(order.total, order.currency),
              "tax": money_display(order.tax, order.currency)}  # fmt: skip
    if order.status in PAID:
        text = _("Your order %(number)s of %(placed)s: %(total)s (tax %(tax)s), paid. Its page "
                 "lists every item, the shipping, the tax and the total, and is your receipt: "
                 "print it or save it as a PDF from your browser: %(url)s")  # fmt: skip
    elif order.status in ("cancelled", "rejected"):
        text = _("Your order %(number)s was cancelled, so there is no receipt for it. Its page "
                 "shows what it held: %(url)s")  # fmt: skip
    else:
        text = _("Your order %(number)s (%(total)s, tax %(tax)s) is not paid yet. Once it is, "
                 "its page lists every item, the tax and the total, and is your receipt: "
                 "%(url)s")  # fmt: skip
    return text % values


def values_for(order, *, name: str = "") -> dict[str, str]:
    """What a reply's placeholders (``replies.PLACEHOLDERS``) stand for, about ``order``."""
    values = {"name": name, "shop": shop_name()}
    if order is None:
        return values
    parcel = tracking(order) or {}
    link = parcel.get("tracking_url", "")
    return values | {
        "status": _status_text(order, parcel or None),
        "number": order.number,
        "url": order_url(order),
        "carrier": parcel.get("carrier", ""),
        "tracking_number": parcel.get("tracking_number", ""),
        "tracking_link": link if link.startswith(("https://", "http://")) else "",
        "receipt": _receipt_text(order),
    }


def compose(*, intent: str, order, language: str, name: str = "") -> str:
    """The reply for ``intent`` about ``order`` (may be None), in ``language``: the owner's
    wording for it (or the shipped one), filled from the order's live data."""
    with translation.override(language):
        key = replies.NO_ORDER if order is None else intent
        return replies.fill(reply_text(key=key, language=language), values_for(order, name=name))
