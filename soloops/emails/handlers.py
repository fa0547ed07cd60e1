"""The shop's default customer emails: order, payment and shipment events → one email each.

Each handler runs in its event's delivery transaction and only queues the email (sending is a
task after commit). Its idempotency key names what the email is about, so a re-dispatched or
repeated event never emails twice:
- once per order (confirmation, paid, delivered, cancelled): ``<template>:<order number>``; an
  order is accepted, paid or cancelled once, and ``order.delivered`` and ``shipment.delivered``
  both asking for the review of one order send one email;
- once per event (shipped, refunded): ``<template>:<event id>``; an order may ship in several
  parcels and be refunded in parts.

Events from other apps (fulfillment, payments) are read from their payload: the order is named
by ``order_number`` (or ``order``, a number or ``{"number": ...}``).
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.emails.kinds import language_for
from soloops.emails.services import email_enqueue
from soloops.orders.selectors import order_get_for

ACTOR = Actor.system("emails")


def _order_url(order) -> str:
    try:
        path = reverse("storefront:confirmation", kwargs={"token": order.public_token})
    except NoReverseMatch:
        return ""
    return f"{settings.SITE_URL}{path}"


def order_context(order) -> dict:
    """What an order email may show: JSON only, money as strings."""
    return {
        "order": {
            "number": order.number,
            "placed_on": timezone.localdate(order.placed_at).isoformat(),
            "currency": order.currency,
            "subtotal": str(order.subtotal),
            "shipping": str(order.shipping),
            "tax": str(order.tax),
            "total": str(order.total),
            "url": _order_url(order),
            "lines": [
                {
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "line_total": str(line.line_total),
                }
                for line in order.lines.all()
            ],
            "shipping_address": order.shipping_address,
        },
        "customer": {"name": order.customer.name, "email": order.email},
    }


def _order_number(event) -> str:
    payload = event.payload
    if event.type.startswith("order.") and payload.get("number"):
        return payload["number"]
    for key in ("order_number", "order"):
        value = payload.get(key)
        if isinstance(value, dict):
            value = value.get("number")
        if isinstance(value, str) and value:
            return value
    raise ValueError(f"{event.type} event {event.pk} names no order (payload needs order_number)")


def _email_order(event, template: str, key: str, extra: dict | None = None) -> None:
    order = order_get_for(actor=ACTOR, number=_order_number(event))
    email_enqueue(
        to=order.email,
        template=template,
        context={**order_context(order), **(extra or {})},
        language=language_for(order.customer.language, language_for(settings.LANGUAGE_CODE)),
        idempotency_key=key.format(number=order.number, event=event.pk),
        subject=("orders.order", str(order.pk)),
        actor=ACTOR,
    )


def order_confirmation(event) -> None:
    _email_order(event, "order_confirmation", "order_confirmation:{number}")


def order_paid(event) -> None:
    _email_order(event, "order_paid", "order_paid:{number}")


def order_shipped(event) -> None:
    payload = event.payload
    url = str(payload.get("tracking_url") or payload.get("url") or "")
    shipment = {
        "carrier": payload.get("carrier", ""),
        "tracking_number": payload.get("tracking_number", ""),
        # Only web links become a button; autoescaping does not stop a javascript: URL.
        "tracking_url": url if url.startswith(("https://", "http://")) else "",
    }
    _email_order(event, "order_shipped", "order_shipped:{event}", {"shipment": shipment})


def order_delivered(event) -> None:
    _email_order(event, "order_delivered", "order_delivered:{number}")


def order_cancelled(event) -> None:
    _email_order(event, "order_cancelled", "order_cancelled:{number}")


def order_refunded(event) -> None:
    payload = event.payload
    refund = {"amount": str(payload.get("amount", "")), "currency": payload.get("currency", "")}
    _email_order(event, "order_refunded", "order_refunded:{event}", {"refund": refund})
