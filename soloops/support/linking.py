"""Which customer and which order a conversation is about, and by which rule.

Rules, first match wins: the order the customer chose (``given``: "ask about this order", or the
API named it); an order number in the subject; one in the text; else the customer's latest
open order. A number found in the text links only an order placed with the sender's address:
a stranger who types someone else's number must not get that order's tracking in a reply.
"""

import re
from dataclasses import dataclass

from soloops.accounts.actors import Actor
from soloops.customers.selectors import customer_get_by_email
from soloops.errors import NotFound
from soloops.orders.selectors import OrderFilters, order_get_for, orders_list

SYSTEM = Actor.system("support")
# SO-2026-7K3QXM2A (orders.services._new_number), any case, in running text.
ORDER_NUMBER = re.compile(r"(?<![0-9A-Za-z])SO-\d{4}-[0-9A-Z]{8}(?![0-9A-Za-z])", re.IGNORECASE)
# Statuses with something still to happen: what "my order" means when none is named.
OPEN_STATUSES = ("placed", "on_hold", "accepted", "paid", "fulfilling", "shipped")
LATEST_LOOKED_AT = 20


@dataclass(frozen=True)
class Link:
    customer: object | None
    order: object | None
    rule: str  # support.models.OrderLink


def _customer(email: str):
    try:
        return customer_get_by_email(email)
    except NotFound:
        return None


def _own_order(number: str, email: str):
    try:
        order = order_get_for(actor=SYSTEM, number=number.upper())
    except NotFound:
        return None
    return order if order.email.lower() == email else None


def numbers_in(text: str) -> list[str]:
    return [m.upper() for m in ORDER_NUMBER.findall(text or "")]


def _latest_open(email: str, customer):
    filters = OrderFilters(customer_id=customer.pk) if customer else OrderFilters(q=email)
    for order in orders_list(filters)[:LATEST_LOOKED_AT]:
        if order.email.lower() == email and order.status in OPEN_STATUSES:
            return order
    return None


def link_for(*, email: str, subject: str, body: str, given=None) -> Link:
    """The customer and order of a new conversation from ``email`` (lower-cased)."""
    customer = _customer(email)
    if given is not None:
        return Link(customer, given, "given")
    for rule, text in (("number_in_subject", subject), ("number_in_text", body)):
        for number in numbers_in(text):
            if (order := _own_order(number, email)) is not None:
                return Link(customer, order, rule)
    if (order := _latest_open(email, customer)) is not None:
        return Link(customer, order, "latest_open")
    return Link(customer, None, "")
