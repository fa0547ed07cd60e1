"""The customer's cart: variant ids and quantities in the session, priced on every read.

Only ids and counts are kept; prices, names and stock come from the catalogue each time, so a
price changed since the item was added is the price shown and charged. Lines no longer for
sale drop out of the cart when it is read.
"""

from dataclasses import dataclass

from soloops.orders.services import order_quote, order_shipping_options
from soloops.storefront.selectors import Offer, storefront_offers

SESSION_KEY = "storefront_cart"


@dataclass(frozen=True)
class CartLine:
    offer: Offer
    quantity: int

    @property
    def total(self):
        return self.offer.price * self.quantity


@dataclass(frozen=True)
class Cart:
    lines: list[CartLine]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def ships(self) -> bool:
        return any(line.offer.requires_shipping for line in self.lines)

    @property
    def currency(self) -> str:
        return self.lines[0].offer.currency if self.lines else ""

    def quantity_of(self, variant_id: int) -> int:
        return next((ln.quantity for ln in self.lines if ln.offer.variant_id == variant_id), 0)

    def quote(self, country: str, method: str | None = None):
        """Subtotal, shipping, tax and total for delivery to ``country`` ("" = not chosen) by
        ``method`` (None: the cheapest offered there)."""
        return order_quote(
            lines=[(line.offer, line.quantity) for line in self.lines],
            country=country,
            method=method,
        )

    def shipping_options(self, country: str):
        """The delivery methods offered to ``country`` with their prices for this cart."""
        if not self.ships:
            return []
        return order_shipping_options([(line.offer, line.quantity) for line in self.lines], country)


def cart_get(session, offers: dict[int, Offer] | None = None) -> Cart:
    offers = storefront_offers() if offers is None else offers
    stored = session.get(SESSION_KEY) or {}
    lines = []
    for key, quantity in stored.items():
        offer = offers.get(int(key)) if str(key).isdigit() else None
        if offer is not None and int(quantity) > 0:
            lines.append(CartLine(offer=offer, quantity=int(quantity)))
    return Cart(lines=sorted(lines, key=lambda line: line.offer.title))


def cart_set(session, *, variant_id: int, quantity: int) -> None:
    """Set one line's quantity (0 removes it). Callers check stock and limits first."""
    stored = dict(session.get(SESSION_KEY) or {})
    if quantity > 0:
        stored[str(variant_id)] = quantity
    else:
        stored.pop(str(variant_id), None)
    session[SESSION_KEY] = stored


def cart_clear(session) -> None:
    session.pop(SESSION_KEY, None)
