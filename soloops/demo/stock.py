"""Stock over the demo year, replayed per SKU in time order.

Every order that intake did not reject reserved its lines when placed; a shipment turned the
reservation into a sale, a cancellation or rejection gave it back. Deliveries from the supplier
keep available stock from ever going below zero: the opening stock before the first order, a
delivery one lead time after stock ran low, and an early one when an order would otherwise
have found the shelf empty. The result is the ledger the services would have written, with the
``stock.received`` / ``stock.low`` / ``stock.out`` events they would have emitted.
"""

import itertools
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from soloops.demo.catalog import VariantPlan
from soloops.demo.plan import DemoPlan, OrderPlan, round_up
from soloops.demo.seasons import local_time
from soloops.inventory.models import MovementKind
from soloops.orders.models import OrderStatus as S

RESERVE, RELEASE, CONSUME = 0, 1, 2


@dataclass(slots=True)
class MovementPlan:
    at: datetime
    seq: int
    variant: int
    kind: str
    quantity: int
    balance: int
    order: OrderPlan | None  # the order shipped, for a sale
    reason: str


@dataclass(slots=True)
class StockEventPlan:
    at: datetime
    seq: int
    type: str
    variant: int
    payload: dict  # without location_id, added when written
    correlation: uuid.UUID


@dataclass
class StockPlan:
    on_hand: list[int]
    reserved: list[int]
    movements: list[MovementPlan]  # oldest first
    events: list[StockEventPlan]


def order_end(order: OrderPlan) -> tuple[datetime, int] | None:
    """When and how the order's reservations ended: shipped (consumed) or given back."""
    for step in order.steps:
        if step.status == S.SHIPPED:
            return step.at, CONSUME
        if step.status in (S.CANCELLED, S.REJECTED):
            return step.at, RELEASE
    return None


class _Shelf:
    """One SKU's stock while the year is replayed."""

    def __init__(self, sim: "_Simulation", variant: VariantPlan) -> None:
        self.sim = sim
        self.v = variant
        self.on_hand = 0
        self.reserved = 0
        self.arrival: datetime | None = None  # a delivery on its way
        self.last = sim.plan.opening_at

    def receive(self, at: datetime, quantity: int, reason: str) -> None:
        self.on_hand += quantity
        self.sim.movement(self, at, MovementKind.RECEIPT, quantity, None, reason)
        self.sim.event(
            at,
            "stock.received",
            self,
            {
                "sku": self.v.spec.sku,
                "kind": MovementKind.RECEIPT,
                "quantity": quantity,
                "on_hand": self.on_hand,
                "reason": reason,
            },
            self.sim.uuid(),
        )

    def reserve(self, at: datetime, quantity: int, order: OrderPlan) -> None:
        supplier = self.v.supplier.name
        if self.arrival is not None and self.arrival <= at:
            self.receive(self.arrival, self.v.lot, f"delivery from {supplier}")
            self.arrival = None
        short = quantity - (self.on_hand - self.reserved)
        if short > 0:  # the delivery came early, by express
            early = max(self.last, at - timedelta(minutes=self.sim.rng.uniform(5, 90)))
            lot = max(self.v.lot, round_up(short, 10))
            self.receive(early, lot, f"express delivery from {supplier}")
            self.arrival = None
        before = self.on_hand - self.reserved
        self.reserved += quantity
        after = before - quantity
        threshold = self.v.threshold
        payload = {"sku": self.v.spec.sku, "available": after, "threshold": threshold}
        if before >= threshold > after:
            self.sim.event(at, "stock.low", self, payload, order.correlation)
            if self.arrival is None:
                self.arrival = self.sim.delivery_time(at, self.v.supplier.lead_time_days)
        if before > 0 >= after:
            self.sim.event(at, "stock.out", self, dict(payload), order.correlation)
        self.last = at

    def settle(self, at: datetime, quantity: int, how: int, order: OrderPlan) -> None:
        if self.arrival is not None and self.arrival <= at:
            self.receive(self.arrival, self.v.lot, f"delivery from {self.v.supplier.name}")
            self.arrival = None
        self.reserved -= quantity
        if how == CONSUME:
            self.on_hand -= quantity
            self.sim.movement(self, at, MovementKind.SALE, -quantity, order, "")
        self.last = at


class _Simulation:
    def __init__(self, plan: DemoPlan, rng: random.Random) -> None:
        self.plan = plan
        self.rng = rng
        self.seq = itertools.count()
        self.tz = timezone.get_current_timezone()
        self.movements: list[MovementPlan] = []
        self.events: list[StockEventPlan] = []

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def movement(self, shelf: _Shelf, at, kind, quantity, order, reason) -> None:
        self.movements.append(
            MovementPlan(
                at, next(self.seq), shelf.v.index, kind, quantity, shelf.on_hand, order, reason
            )
        )

    def event(self, at, type_, shelf: _Shelf, payload: dict, correlation) -> None:
        self.events.append(
            StockEventPlan(at, next(self.seq), type_, shelf.v.index, payload, correlation)
        )

    def delivery_time(self, ordered: datetime, lead_time_days: int) -> datetime:
        day = ordered.astimezone(self.tz).date() + timedelta(days=lead_time_days)
        if day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        return local_time(day, self.rng.uniform(9, 15) * 3600, self.tz)

    def run(self) -> StockPlan:
        plan = self.plan
        ops: list[list[tuple]] = [[] for _ in plan.variants]
        for order in plan.orders:
            if not order.reserves:
                continue
            end = order_end(order)
            for index, quantity in order.lines:
                ops[index].append((order.placed_at, next(self.seq), RESERVE, quantity, order))
                if end is not None:
                    ops[index].append((end[0], next(self.seq), end[1], quantity, order))
        shelves = []
        for variant, variant_ops in zip(plan.variants, ops, strict=True):
            shelf = _Shelf(self, variant)
            opening = plan.opening_at + timedelta(minutes=variant.index)
            shelf.receive(opening, variant.lot + variant.threshold, "opening stock")
            shelf.last = opening
            variant_ops.sort(key=lambda op: (op[0], op[1]))
            for at, _, how, quantity, order in variant_ops:
                if how == RESERVE:
                    shelf.reserve(at, quantity, order)
                else:
                    shelf.settle(at, quantity, how, order)
            if shelf.arrival is not None and shelf.arrival <= plan.now:
                shelf.receive(shelf.arrival, variant.lot, f"delivery from {variant.supplier.name}")
            shelves.append(shelf)
        self.movements.sort(key=lambda m: (m.at, m.seq))
        return StockPlan(
            on_hand=[s.on_hand for s in shelves],
            reserved=[s.reserved for s in shelves],
            movements=self.movements,
            events=self.events,
        )


def simulate_stock(plan: DemoPlan, seed: int) -> StockPlan:
    return _Simulation(plan, random.Random(f"stock-{seed}")).run()
