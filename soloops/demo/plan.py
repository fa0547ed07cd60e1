"""The demo shop's two years, planned in memory before anything is written.

Orders are spread over the 730 days ending now (two years: a forecast learns this year's
season from last year's) with weekly and yearly seasonality (weekends, Black Friday, the
run-up to Christmas, Valentine's and Mother's Day; a quiet January and summer), reviewed
in time order by the real review rules against what came before them, and
then lived through: paid, packed, shipped, delivered and completed — or held, rejected or
cancelled — with each step at a believable time, up to now. A few "showcase" orders make sure
every status appears, and occasional card-testing bursts from one IP show the review at work.
"""

import bisect
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from itertools import accumulate

from django.conf import settings
from django.utils import timezone

from soloops.demo.baskets import Baskets
from soloops.demo.catalog import EU, EXPENSIVE_SKUS, VariantPlan, rate_tables, variant_plans
from soloops.demo.people import ORDER_NOTES, REGIONS, CustomerPlan, People
from soloops.demo.prices import PriceHistory, price_histories
from soloops.demo.progress import Progress
from soloops.demo.seasons import DAYS, buyers, local_time, placement_times, working_time
from soloops.numbers import ALPHABET
from soloops.orders.models import Channel, ReviewOutcome, ReviewPolicy, ShippingRate, TaxRate
from soloops.orders.models import OrderStatus as S
from soloops.orders.pricing import Totals, compute_totals
from soloops.orders.review import Facts, Review, review_order

NUMBER_ALPHABET = ALPHABET  # seeded choices: the demo must be repeatable
# An order younger than this has not been reviewed yet: it is still "placed".
REVIEW_PENDING = timedelta(minutes=2)
RETURN_WINDOW = timedelta(days=14)
CHANNELS = (
    (Channel.STOREFRONT, Channel.API, Channel.MANUAL, Channel.IMPORT),
    list(accumulate((74, 16, 6, 4))),
)
LINE_COUNTS = ((1, 2, 3, 4, 5), list(accumulate((55, 28, 11, 4, 2))))  # values, cumulative
SHOWCASE = (  # one order in every status, placed this long before now
    (S.PLACED, timedelta(seconds=75)),
    (S.ON_HOLD, timedelta(hours=3, minutes=10)),
    (S.ACCEPTED, timedelta(minutes=38)),
    (S.PAID, timedelta(hours=2, minutes=5)),
    (S.FULFILLING, timedelta(hours=20)),
    (S.SHIPPED, timedelta(days=2, hours=3)),
    (S.DELIVERED, timedelta(days=6)),
    (S.COMPLETED, timedelta(days=41)),
    (S.CANCELLED, timedelta(days=9)),
    (S.REJECTED, timedelta(days=2, hours=7)),
)
FRAUD_EVERY = 1500  # one card-testing burst per this many orders
HOLD_DECISIONS = (
    ("accept", "Called the customer; all fine."),
    ("accept", "Address checked; a regular café customer."),
    ("accept", "Paid by bank transfer up front."),
    ("reject", "Could not reach the buyer; the phone number does not exist."),
    ("cancel", "Customer asked to cancel before we decided."),
)
CANCEL_REASONS = (
    "Customer ordered the wrong colour.",
    "Customer asked to cancel.",
    "Duplicate order.",
    "Customer found a closer shop.",
)
REFUND_REASON = "Customer cancelled after paying; payment refunded."
UNPAID_REASON = "Payment not received within 3 days."
FRAUD_REASON = "Card testing: several new emails from one IP address, billing abroad."


@dataclass(slots=True)
class Step:
    """One transition of an order, as its service would have made it."""

    status: str
    at: datetime
    reason: str = ""
    extra: dict | None = None
    correlation: uuid.UUID | None = None


@dataclass(slots=True, eq=False)
class OrderPlan:
    number: str
    customer: CustomerPlan
    channel: str
    placed_at: datetime
    lines: list[tuple[int, int]]  # (variant index, quantity)
    shipping_address: dict
    billing_address: dict
    client_ip: str | None
    note: str
    correlation: uuid.UUID
    kind: str = "natural"  # natural, fraud or showcase
    target: str = ""  # the status a showcase order ends in
    prices: list[Decimal] = field(default_factory=list)  # each line's unit price
    totals: Totals | None = None
    review: Review | None = None  # None while the review is pending
    steps: list[Step] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.steps[-1].status if self.steps else S.PLACED

    def step_at(self, status: str) -> datetime | None:
        return next((s.at for s in self.steps if s.status == status), None)

    @property
    def reserves(self) -> bool:
        """Intake reserves stock unless the review rejected the order outright."""
        return not (self.steps and self.steps[0].status == S.REJECTED)


@dataclass(eq=False)
class DemoPlan:
    now: datetime
    start: datetime  # midnight, local time, of the first day with orders
    catalog_at: datetime
    opening_at: datetime
    variants: list[VariantPlan]
    orders: list[OrderPlan]
    customers: list[CustomerPlan]  # those who ordered, by their first order
    shipping_rates: list[ShippingRate]
    tax_rates: dict[str, TaxRate]
    prices: dict[int, PriceHistory] = field(default_factory=dict)  # variant index -> history


def round_up(value: float, step: int) -> int:
    return int(Decimal(value / step).to_integral_value(ROUND_CEILING)) * step


def _size_stock(variants: list[VariantPlan], orders: list[OrderPlan]) -> None:
    """Reorder point: demand over the supplier's lead time and five days more; lot: two months."""
    for order in orders:
        if order.reserves:
            for index, quantity in order.lines:
                variants[index].demand += quantity
    for v in variants:
        daily = v.demand / DAYS
        floor = 2 if v.price >= 300 else 5
        v.threshold = max(floor, round_up(daily * (v.supplier.lead_time_days + 5), 5))
        v.lot = max(v.supplier.min_order_quantity, round_up(daily * 60, 10))


# --- orders ---------------------------------------------------------------------------------


class Planner:
    def __init__(self, rng: random.Random, now: datetime, tz) -> None:
        self.rng = rng
        self.now = now
        self.tz = tz
        self.people = People(rng)
        self.variants = variant_plans()
        self.baskets = Baskets(
            rng, [v.spec.sku for v in self.variants], [v.spec.popularity for v in self.variants]
        )
        self.by_sku = {v.spec.sku: v.index for v in self.variants}
        self.prices = price_histories(
            rng,
            [v.price for v in self.variants],
            [v.spec.popularity for v in self.variants],
            now - timedelta(days=DAYS),
            now,
        )
        self.tables = rate_tables()
        self.policy = ReviewPolicy()  # the default policy: same seed, same review results
        self.numbers: set[str] = set()

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def number(self, placed_at: datetime) -> str:
        while True:
            suffix = "".join(self.rng.choices(NUMBER_ALPHABET, k=8))
            number = f"SO-{placed_at.astimezone(self.tz):%Y}-{suffix}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def price(self, index: int, at: datetime) -> Decimal:
        history = self.prices.get(index)
        return history.price(at) if history else self.variants[index].price

    def lines(self, customer: CustomerPlan, at: datetime) -> list[tuple[int, int]]:
        """What ``customer`` orders at ``at``: a basket, its quantities answering the prices
        of then (promotions sell more; see prices.py); a line that drops to nothing is left
        out unless it is the only one."""
        rng = self.rng
        (count,) = rng.choices(LINE_COUNTS[0], cum_weights=LINE_COUNTS[1])
        chosen = self.baskets.draw(customer.email, count)
        lines = []
        for index in chosen:
            most = self.variants[index].spec.max_quantity
            quantity = 1 if most == 1 or rng.random() < 0.6 else rng.randint(2, most)
            if index in self.prices:
                quantity = self.prices[index].quantity(quantity, at, rng)
            if quantity:
                lines.append((index, quantity))
        return lines or [(chosen[0], 1)]

    def order(
        self,
        customer: CustomerPlan,
        placed_at: datetime,
        lines,
        *,
        channel=Channel.STOREFRONT,
        kind="natural",
        billing: dict | None = None,
        shipping: dict | None = None,
        note: str = "",
        ip: str | None = "",
    ) -> OrderPlan:
        shipping = shipping or customer.address
        country = shipping["country"]
        prices = [self.price(i, placed_at) for i, _q in lines]
        order = OrderPlan(
            number=self.number(placed_at),
            customer=customer,
            channel=channel,
            placed_at=placed_at,
            lines=lines,
            shipping_address=shipping,
            billing_address=billing or shipping,
            client_ip=(customer.ip if ip == "" else ip) if channel == Channel.STOREFRONT else None,
            note=note,
            correlation=self.uuid(),
            kind=kind,
            prices=prices,
            totals=compute_totals(
                line_totals=[p * q for p, (_i, q) in zip(prices, lines, strict=True)],
                ships=True,
                country=country,
                tables=self.tables,
            ),
        )
        if customer.first_order is None:
            customer.first_order = order
        return order

    # -- who orders what, when --

    def natural(self, n: int, progress: Progress) -> list[OrderPlan]:
        rng = self.rng
        pool_size = max(150, min(25_000, n // 5))
        pool = [self.people.customer() for _ in range(pool_size)]
        times = placement_times(rng, n, self.now, self.tz)
        orders = []
        who = buyers(rng, pool, times, self.now)
        for customer, placed_at in zip(who, times, strict=True):
            (channel,) = rng.choices(CHANNELS[0], cum_weights=CHANNELS[1])
            shipping = None
            if rng.random() < 0.02:  # a present for someone in another country
                region = rng.choice(REGIONS)
                name = f"{rng.choice(region.first_names)} {rng.choice(region.last_names)}"
                shipping = self.people.address(name, region)
            note = ""
            if rng.random() < 0.04:
                notes = ORDER_NOTES[-2:] if customer.language == "zh-hans" else ORDER_NOTES[:-2]
                note = rng.choice(notes)
            ip = customer.ip if rng.random() < 0.85 else self.people.ip()
            if len(orders) % 1000 == 999:
                progress.advance(1000)
            orders.append(
                self.order(
                    customer,
                    placed_at,
                    self.lines(customer, placed_at),
                    channel=channel,
                    billing=customer.address if shipping else None,
                    shipping=shipping,
                    note=note,
                    ip=ip,
                )
            )
        progress.advance(n % 1000)
        return orders

    def fraud_bursts(self, count: int) -> list[OrderPlan]:
        """Card testing: new emails from one IP, dear goods, billed abroad, minutes apart."""
        rng = self.rng
        orders = []
        for burst in range(count):
            t = self.now - timedelta(days=rng.uniform(10, DAYS - 10))
            ip = f"203.0.113.{10 + burst % 240}"
            region = rng.choice([r for r in REGIONS if r.country in ("NL", "DE", "FR")])
            billing_region = next(r for r in REGIONS if r.country == "US")
            for _ in range(rng.randint(6, 8)):
                t += timedelta(minutes=rng.uniform(2, 7))
                customer = self.people.customer(region)
                billing = self.people.address(customer.name, billing_region)
                lines = [(self.by_sku[rng.choice(EXPENSIVE_SKUS)], 1)]
                orders.append(self.order(customer, t, lines, kind="fraud", billing=billing, ip=ip))
        return orders

    def showcase(self, count: int) -> list[OrderPlan]:
        orders = []
        for target, age in SHOWCASE[:count]:
            customer = self.people.customer(REGIONS[0])
            if target in (S.ON_HOLD, S.REJECTED):  # a first order over the review's limit
                lines = [(self.by_sku["ESPRESSO-DB-E61"], 1), (self.by_sku["BEAN-ESP-1000"], 2)]
            else:
                lines = [(self.by_sku["MUG-350-SAND"], 2), (self.by_sku["BEAN-ETH-250"], 1)]
            if target == S.SHIPPED:  # still on its way across the Atlantic
                us = next(r for r in REGIONS if r.country == "US")
                customer.address = self.people.address(customer.name, us)
            order = self.order(customer, self.now - age, lines, kind="showcase")
            order.target = target
            orders.append(order)
        return orders

    # -- review and what happened next --

    def review_all(self, orders: list[OrderPlan]) -> None:
        """The real review rules, in time order, with each order's own history as facts."""
        by_email: dict[str, list[datetime]] = {}
        by_ip: dict[str, list[datetime]] = {}
        window = timedelta(minutes=self.policy.velocity_window_minutes)
        for order in orders:
            earlier = by_email.setdefault(order.customer.email, [])
            from_ip = by_ip.setdefault(order.client_ip, []) if order.client_ip else []
            since = order.placed_at - window
            pending = self.now - order.placed_at < REVIEW_PENDING or order.target == S.PLACED
            if not pending:
                order.review = review_order(
                    Facts(
                        total=order.totals.total,
                        currency=settings.SHOP_CURRENCY,
                        previous_orders=len(earlier),
                        recent_orders_email=len(earlier) - bisect.bisect_left(earlier, since),
                        recent_orders_ip=len(from_ip) - bisect.bisect_left(from_ip, since),
                        shipping_country=order.shipping_address["country"],
                        billing_country=order.billing_address["country"],
                    ),
                    self.policy,
                )
            earlier.append(order.placed_at)
            if order.client_ip:
                from_ip.append(order.placed_at)

    def live(self, order: OrderPlan) -> None:
        """Fill in the order's transitions up to now."""
        if order.review is None:
            return
        rng, now, p = self.rng, self.now, order.placed_at
        reasons = "; ".join(r["message"] for r in order.review.reasons)
        steps = order.steps

        def step(status, at, reason="", extra=None, correlation=None) -> bool:
            if at > now:
                return False
            steps.append(Step(status, at, reason, extra, correlation or self.uuid()))
            return True

        outcome = order.review.outcome
        if order.target:
            return self._showcase_life(order, reasons)
        if outcome == ReviewOutcome.REJECT:
            step(S.REJECTED, p, reasons, correlation=order.correlation)
            return
        if outcome == ReviewOutcome.HOLD:
            step(S.ON_HOLD, p, reasons, correlation=order.correlation)
            t = working_time(p + timedelta(minutes=rng.uniform(20, 180)), rng, self.tz)
            t += timedelta(minutes=rng.uniform(0, 120))
            if order.kind == "fraud":
                step(S.REJECTED, t, FRAUD_REASON)
                return
            action, note = rng.choices(HOLD_DECISIONS, weights=(30, 30, 24, 6, 10))[0]
            if action != "accept":
                step(S.REJECTED if action == "reject" else S.CANCELLED, t, note)
                return
            if not step(S.ACCEPTED, t, note):
                return
        else:
            step(S.ACCEPTED, p, reasons, correlation=order.correlation)
            t = p
        u = rng.random()
        if u < 0.025:
            step(
                S.CANCELLED,
                t + timedelta(hours=rng.uniform(0.2, 20)),
                rng.choice(CANCEL_REASONS),
            )
            return
        if u < 0.05:
            step(S.CANCELLED, t + timedelta(hours=72), UNPAID_REASON)
            return
        card = rng.random() < 0.78
        t += (
            timedelta(seconds=rng.uniform(10, 300)) if card else timedelta(hours=rng.uniform(2, 48))
        )
        if not step(S.PAID, t, extra={"payment": self.payment_reference()}):
            return
        if rng.random() < 0.015:
            step(S.CANCELLED, t + timedelta(hours=rng.uniform(1, 12)), REFUND_REASON)
            return
        t = working_time(t + timedelta(minutes=rng.uniform(20, 180)), rng, self.tz)
        if not step(S.FULFILLING, t):
            return
        t += timedelta(minutes=rng.uniform(40, 240))
        if not step(S.SHIPPED, t):
            return
        t = self._delivery(t, order.shipping_address["country"])
        if step(S.DELIVERED, t):
            step(S.COMPLETED, t + RETURN_WINDOW + timedelta(minutes=rng.uniform(0, 30)))

    def _delivery(self, shipped: datetime, country: str) -> datetime:
        low, high = (1, 2) if country == "DE" else (2, 4) if country in EU else (3, 6)
        if country in ("US", "CN"):
            low, high = 5, 11
        day = shipped.astimezone(self.tz).date() + timedelta(days=self.rng.randint(low, high))
        if day.weekday() == 6:
            day += timedelta(days=1)
        return local_time(day, self.rng.uniform(9, 18) * 3600, self.tz)

    def payment_reference(self) -> str:
        return "PAY-" + "".join(self.rng.choices(NUMBER_ALPHABET, k=12))

    def _showcase_life(self, order: OrderPlan, reasons: str) -> None:
        """A fixed path ending in ``order.target``; each step happened before now."""
        target, p, now = order.target, order.placed_at, self.now
        held = target in (S.ON_HOLD, S.REJECTED)
        expected = ReviewOutcome.HOLD if held else ReviewOutcome.ACCEPT
        if order.review.outcome != expected:
            raise RuntimeError(f"showcase order for {target} was reviewed {order.review.outcome}")
        first = S.ON_HOLD if held else S.ACCEPTED
        path = [(first, p, reasons, None, order.correlation)]
        minute = timedelta(minutes=1)
        if target == S.REJECTED:
            path.append((S.REJECTED, p + timedelta(hours=4), HOLD_DECISIONS[3][1], None, None))
        if target == S.CANCELLED:
            path.append((S.CANCELLED, p + timedelta(hours=5), CANCEL_REASONS[0], None, None))
        if target in (S.PAID, S.FULFILLING, S.SHIPPED, S.DELIVERED, S.COMPLETED):
            path.append((S.PAID, p + 2 * minute, "", {"payment": self.payment_reference()}, None))
        if target == S.FULFILLING:
            path.append((S.FULFILLING, now - 50 * minute, "", None, None))
        if target in (S.SHIPPED, S.DELIVERED, S.COMPLETED):
            path.append((S.FULFILLING, p + timedelta(hours=16), "", None, None))
            path.append((S.SHIPPED, p + timedelta(hours=19), "", None, None))
        if target in (S.DELIVERED, S.COMPLETED):
            path.append((S.DELIVERED, p + timedelta(days=3), "", None, None))
        if target == S.COMPLETED:
            path.append((S.COMPLETED, p + timedelta(days=3) + RETURN_WINDOW, "", None, None))
        for status, at, reason, extra, correlation in path:
            order.steps.append(
                Step(status, min(at, now), reason, extra, correlation or self.uuid())
            )


def plan_demo(
    *, orders: int, seed: int, now: datetime | None = None, progress: Progress | None = None
) -> DemoPlan:
    """Everything the demo shop will contain, decided by ``seed`` and ``now`` — the moment,
    not only its date: today's weight is its share of the day so far, so another minute deals
    every order's day again (the same seed a minute later is another two years of history)."""
    now = (now or timezone.now()).astimezone(UTC)
    tz = timezone.get_current_timezone()
    rng = random.Random(seed)
    progress = progress or Progress(None, phases=1)
    progress.phase("planning", 2 * orders)
    planner = Planner(rng, now, tz)
    showcase = min(orders, len(SHOWCASE))
    bursts = orders // FRAUD_EVERY
    fraud = planner.fraud_bursts(bursts)
    natural = planner.natural(max(0, orders - showcase - len(fraud)), progress)
    planned = natural + fraud + planner.showcase(showcase)
    planned.sort(key=lambda o: o.placed_at)
    planner.review_all(planned)
    for n, order in enumerate(planned, 1):
        planner.live(order)
        if n % 1000 == 0:
            progress.advance(1000)
    progress.advance(len(planned) % 1000 + len(fraud) + showcase)
    _size_stock(planner.variants, planned)
    customers = []
    for order in planned:
        if order.customer.first_order is order:
            customers.append(order.customer)
    start = datetime.combine(
        now.astimezone(tz).date() - timedelta(days=DAYS - 1), time(0), tzinfo=tz
    )
    start = start.astimezone(UTC)
    return DemoPlan(
        now=now,
        start=start,
        catalog_at=start - timedelta(days=10),
        opening_at=start - timedelta(days=3),
        variants=planner.variants,
        orders=planned,
        customers=customers,
        shipping_rates=planner.tables[0],
        tax_rates=planner.tables[1],
        prices=planner.prices,
    )
