"""The demo's price history: the best sellers had price changes and promotions.

The most popular ``PRICED`` SKUs were cheaper until a day 5 to 11 months ago (the owner
raised the price to today's catalog price) and ran a few promotions (10-20 % off for 10 to 21
days). Their customers answered the price: on each line the quantity is scaled by
(price ÷ catalog price) ** elasticity (each SKU its own, between ``ELASTICITY``), rounded at
random, so a promotion sells more and the old lower price sold a little more. The other SKUs
kept their price all along: for them Insights says "not enough price history", as it should.
The demo records each change as the catalog does (``variant.updated`` with the new price, at
the moment it happened; see ``PriceHistory.changes``), so the SKU's history shows it too.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

PRICED = 12  # the most popular SKUs with a price history
ELASTICITY = (-2.4, -1.2)
RAISE = (0.06, 0.12)  # the earlier price was this much lower
PROMOTIONS = (3, 5)  # promotions per SKU over the history
PROMOTION_OFF = (0.10, 0.20)
PROMOTION_DAYS = (10, 21)
CENT = Decimal("0.01")


@dataclass(slots=True)
class PriceHistory:
    current: Decimal  # the catalog price (now)
    elasticity: float
    spans: list[tuple[datetime, datetime, Decimal]] = field(default_factory=list)  # [from, to)

    def price(self, at: datetime) -> Decimal:
        for start, end, price in self.spans:  # promotions first, then the earlier price
            if start <= at < end:
                return price
        return self.current

    def changes(self) -> tuple[Decimal, list[tuple[datetime, Decimal]]]:
        """The price the history starts with, and each change after it as (when, the new
        price), oldest first: what the catalog records as ``variant.updated`` events."""
        begin = min(start for start, _end, _price in self.spans)
        first = last = self.price(begin)
        found = []
        for at in sorted({t for start, end, _p in self.spans for t in (start, end)} - {begin}):
            price = self.price(at)
            if price != last:
                found.append((at, price))
                last = price
        return first, found

    def quantity(self, quantity: int, at: datetime, rng: random.Random) -> int:
        """The quantity bought at the price of ``at`` when ``quantity`` is bought at today's."""
        scaled = quantity * (float(self.price(at) / self.current)) ** self.elasticity
        whole = math.floor(scaled)
        return whole + (rng.random() < scaled - whole)


def _price(value: Decimal, factor: float) -> Decimal:
    return (value * Decimal(str(factor))).quantize(CENT, rounding=ROUND_HALF_UP)


def price_histories(
    rng: random.Random,
    prices: list[Decimal],
    popularity: list[float],
    start: datetime,
    end: datetime,
) -> dict[int, PriceHistory]:
    """Price histories of the ``PRICED`` most popular variants (by index) between ``start``
    and ``end``."""
    days = (end - start).days
    chosen = sorted(range(len(prices)), key=lambda i: -popularity[i])[:PRICED]
    histories = {}
    for index in chosen:
        current = prices[index]
        history = PriceHistory(current, rng.uniform(*ELASTICITY))
        for _ in range(rng.randint(*PROMOTIONS)):
            begin = start + timedelta(days=rng.randint(0, days - PROMOTION_DAYS[1]))
            length = timedelta(days=rng.randint(*PROMOTION_DAYS))
            history.spans.append(
                (begin, begin + length, _price(current, 1 - rng.uniform(*PROMOTION_OFF)))
            )
        raised = start + timedelta(days=rng.randint(days * 11 // 20, days * 4 // 5))
        history.spans.append((start, raised, _price(current, 1 - rng.uniform(*RAISE))))
        histories[index] = history
    return histories
