"""What goes in a demo basket: customers have a taste (coffee, tea or the home) that they keep
from order to order, and things are bought with their companions (a dripper with filters, a
teapot with tea, matcha with its whisk). Without this the lines were drawn independently by
popularity, and no recommender could do better than "the best sellers" on the demo shop.

The strengths are invented (no real shop's data is at hand), chosen to look like a specialty
shop: a taste makes its own products 12 times as likely (so roughly nine lines in ten stay in
the customer's taste), 60 % of the lines after the first are a companion of one already in the
basket, and 60 % of a returning customer's orders start with a companion of something they
bought before. ``bench/recommend.py`` measures how much a recommender gains from this; with
the lines drawn independently (the generator before this module) nothing beats the best
sellers, and the figure there says so.
"""

import bisect
import random
from itertools import accumulate

# A taste: the SKU prefixes a customer leans to, and how common the taste is.
TASTES = {
    "coffee": (
        ("BEAN-", "FILTER-", "GRIND-", "ESPRESSO-", "CARAFE-", "DRIP-", "ESP-CUP-", "GIFT-"),
        50,
    ),
    "tea": (("TEA-", "TEAPOT-", "MATCHA-", "WHISK-", "CHAWAN-", "KETTLE-GN-"), 25),
    "home": (
        (
            "TOWEL-",
            "APRON-",
            "THROW-",
            "CANDLE-",
            "TAPER-",
            "RUNNER-",
            "NAPKIN-",
            "BOWL-",
            "PLATE-",
            "VASE-",
            "MUG-",
        ),
        25,
    ),
}
TASTE_BOOST = 12.0
COMPANION_SHARE = 0.6  # of the lines after the first, how many follow a companion
FOLLOW_UP_SHARE = 0.6  # of returning customers' orders, how many start with a companion of
# something they bought before (filters for the dripper they have, tea for their teapot)

# What is bought with what: SKU prefix -> ((companion prefix, weight), ...).
COMPANIONS = {
    "DRIP-": (("FILTER-", 5), ("KETTLE-GN-", 2), ("CARAFE-", 2), ("BEAN-ETH-250", 1)),
    "FILTER-": (("DRIP-", 2), ("BEAN-ETH-250", 2), ("BEAN-COL-250", 2)),
    "CARAFE-": (("DRIP-", 3), ("FILTER-", 2)),
    "ESPRESSO-": (("GRIND-PRO-", 4), ("BEAN-ESP-1000", 3), ("ESP-CUP-", 3)),
    "GRIND-PRO-": (("ESPRESSO-", 1), ("BEAN-ESP-", 2), ("BEAN-SUM-1000", 1)),
    "GRIND-HAND-": (("BEAN-ETH-250", 2), ("BEAN-COL-250", 2), ("DRIP-", 2)),
    "BEAN-ESP-": (("ESP-CUP-", 3), ("BEAN-DECAF-", 1)),
    "BEAN-": (("FILTER-", 2), ("BEAN-", 2), ("MUG-", 1)),
    "ESP-CUP-": (("BEAN-ESP-", 3), ("ESP-CUP-", 2)),
    "KETTLE-GN-": (("DRIP-", 3), ("TEA-", 1)),
    "TEAPOT-": (("TEA-", 5), ("MUG-", 1)),
    "TEA-": (("TEAPOT-", 2), ("TEA-", 3)),
    "MATCHA-": (("WHISK-", 5), ("CHAWAN-", 3)),
    "WHISK-": (("MATCHA-", 4), ("CHAWAN-", 2)),
    "CHAWAN-": (("MATCHA-", 4), ("WHISK-", 3)),
    "CANDLE-": (("CANDLE-", 3), ("TAPER-", 2)),
    "TAPER-": (("CANDLE-", 2), ("RUNNER-", 1)),
    "RUNNER-": (("NAPKIN-", 4), ("TAPER-", 1)),
    "NAPKIN-": (("RUNNER-", 2), ("PLATE-", 2)),
    "PLATE-": (("BOWL-", 3), ("NAPKIN-", 2)),
    "BOWL-": (("PLATE-", 3),),
    "TOWEL-": (("APRON-", 3), ("TOWEL-", 2)),
    "APRON-": (("TOWEL-", 3),),
    "THROW-": (("CANDLE-", 2),),
    "VASE-": (("CANDLE-", 1), ("RUNNER-", 1)),
    "MUG-": (("MUG-", 3), ("BEAN-ETH-250", 1), ("TEA-", 1)),
    "GIFT-": (("MUG-", 2),),
}


def _prefix_of(sku: str, table) -> str | None:
    """The longest prefix of ``table`` that ``sku`` starts with."""
    found = [p for p in table if sku.startswith(p)]
    return max(found, key=len) if found else None


class Baskets:
    """Draws the variant indexes of one order for a customer."""

    def __init__(self, rng: random.Random, skus: list[str], popularity: list[float]) -> None:
        self.rng = rng
        self.skus = skus
        self.popularity = popularity
        names = list(TASTES)
        self.taste_names = names
        self.taste_weights = list(accumulate(TASTES[n][1] for n in names))
        self.tastes: dict[str, str] = {}
        self.bought: dict[str, list[int]] = {}
        self.cumulative = {
            name: list(
                accumulate(
                    w * (TASTE_BOOST if sku.startswith(TASTES[name][0]) else 1.0)
                    for sku, w in zip(skus, popularity, strict=True)
                )
            )
            for name in names
        }
        self.companions = {}
        for i, sku in enumerate(skus):
            prefix = _prefix_of(sku, COMPANIONS)
            options = []
            for target, weight in COMPANIONS.get(prefix, ()):
                matches = [j for j, s in enumerate(skus) if s.startswith(target) and j != i]
                share = sum(popularity[j] for j in matches) or 1.0
                options += [(j, weight * popularity[j] / share) for j in matches]
            if options:
                self.companions[i] = ([j for j, _ in options], [w for _, w in options])

    def taste(self, email: str) -> str:
        if email not in self.tastes:
            (self.tastes[email],) = self.rng.choices(
                self.taste_names, cum_weights=self.taste_weights
            )
        return self.tastes[email]

    def draw(self, email: str, count: int) -> list[int]:
        rng = self.rng
        cumulative = self.cumulative[self.taste(email)]
        chosen: list[int] = []
        before = self.bought.setdefault(email, [])
        while len(chosen) < count:
            pick = None
            if chosen and rng.random() < COMPANION_SHARE:
                options = self.companions.get(rng.choice(chosen))
                if options:
                    (pick,) = rng.choices(options[0], weights=options[1])
            elif not chosen and before and rng.random() < FOLLOW_UP_SHARE:
                options = self.companions.get(rng.choice(before))
                if options:
                    (pick,) = rng.choices(options[0], weights=options[1])
            if pick is None:
                pick = bisect.bisect(cumulative, rng.random() * cumulative[-1])
            if pick not in chosen:
                chosen.append(pick)
        before.extend(i for i in chosen if i not in before)
        return chosen
