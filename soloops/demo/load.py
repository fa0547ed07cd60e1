"""Writing the planned demo shop: bulk inserts in chunks, all in one transaction.

One transaction makes the load all or nothing: an interrupted ``soloops demo-data`` leaves no
half shop behind, so running it again starts over instead of skipping a broken catalog. Rows
are inserted oldest first (orders, ledger movements, events), so ids keep time order like they
would have if the services had written them over the year, and the history timestamps are
kept as planned rather than stamped "now".
"""

import random
import secrets
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.db import connection, models, transaction
from django.utils.text import slugify

from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_rows
from soloops.catalog.models import Product, Supplier, SupplierItem, Variant
from soloops.customers.models import Customer
from soloops.customers.services import customer_stats_refresh
from soloops.demo.catalog import SUPPLIERS
from soloops.demo.plan import DemoPlan, OrderPlan, plan_demo
from soloops.demo.progress import Progress
from soloops.demo.stock import CONSUME, StockPlan, order_end, simulate_stock
from soloops.events.services import PastEvent, events_import
from soloops.inventory.models import (
    Location,
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockLevel,
)
from soloops.orders.models import Order, OrderLine, ShippingRate, TaxRate
from soloops.orders.models import OrderStatus as S

ACTOR = Actor.system("demo")
CHUNK = 2000
CENT = Decimal("0.01")
# Events at the same instant keep the order the services emit them in.
RANK_CUSTOMER, RANK_PLACED, RANK_DECIDED, RANK_STOCK, RANK_LATER = range(5)
CUSTOMER_FIELDS = (
    "email", "name", "language", "shipping_address", "billing_address", "tags", "created_at",
    "updated_at",
)  # fmt: skip
ORDER_FIELDS = (
    "number", "public_token", "channel", "customer_id", "email", "status", "currency",
    "subtotal", "shipping", "shipping_method", "shipping_days_min", "shipping_days_max", "tax",
    "total", "shipping_address", "billing_address", "note",
    "client_ip", "review_outcome", "risk_score", "review", "status_reason", "placed_at",
    "accepted_at", "shipped_at", "completed_at", "cancelled_at", "created_at", "updated_at",
)  # fmt: skip
LINE_FIELDS = (
    "order_id", "variant_id", "sku", "title", "quantity", "unit_price", "line_total",
    "requires_shipping", "created_at", "updated_at",
)  # fmt: skip
RESERVATION_FIELDS = ("stock_id", "order_line_id", "quantity", "status", "created_at", "updated_at")
MOVEMENT_FIELDS = (
    "variant_id", "location_id", "kind", "quantity", "balance_after", "reason", "reference_type",
    "reference_id", "actor_kind", "actor_label", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class DemoResult:
    loaded: bool
    suppliers: int = 0
    products: int = 0
    variants: int = 0
    customers: int = 0
    orders: int = 0
    movements: int = 0
    events: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)


def _save_all(objs: list[models.Model]) -> None:
    """Insert model instances as they are (their timestamps too) and set their ids."""
    if not objs:
        return
    meta = objs[0]._meta
    names = [f.attname for f in meta.concrete_fields if not f.primary_key]
    rows = [tuple(getattr(o, name) for name in names) for o in objs]
    for obj, pk in zip(objs, insert_rows(type(objs[0]), names, rows, return_ids=True), strict=True):
        obj.pk = pk


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    def __init__(self, plan: DemoPlan, stock: StockPlan, progress: Progress) -> None:
        self.plan = plan
        self.stock = stock
        self.progress = progress
        self.location = Location.objects.get(is_default=True)
        self.variant_ids: list[int] = []
        self.stock_ids: list[int] = []
        self.order_ids: dict[int, int] = {}  # id(plan) -> database id
        self.customer_ids: dict[int, int] = {}
        self.catalog_events: list[tuple] = []
        self.price_events: list[tuple] = []  # (time, the catalog event) of each price change

    def catalog(self) -> None:
        plan, at = self.plan, self.plan.catalog_at
        if not ShippingRate.objects.exists() and not TaxRate.objects.exists():
            for row in [*plan.shipping_rates, *plan.tax_rates.values()]:
                row.created_at = row.updated_at = at
            _save_all(list(plan.shipping_rates))
            _save_all(list(plan.tax_rates.values()))
        suppliers = {}
        for spec in SUPPLIERS:
            suppliers[spec.key] = Supplier(
                name=spec.name,
                email=spec.email,
                lead_time_days=spec.lead_time_days,
                min_order_quantity=spec.min_order_quantity,
                created_at=at,
                updated_at=at,
            )
        _save_all(list(suppliers.values()))
        for s in suppliers.values():
            self._catalog_event("supplier.created", s, {"name": s.name, "email": s.email})
        products = {}
        for v in plan.variants:
            if v.product.name not in products:
                name = v.product.name
                products[name] = Product(
                    name=name,
                    slug=slugify(name),
                    description=v.product.description,
                    created_at=at,
                    updated_at=at,
                )
        _save_all(list(products.values()))
        for p in products.values():
            self._catalog_event("product.created", p, {"name": p.name, "slug": p.slug})
        variants = [
            Variant(
                product=products[v.product.name],
                sku=v.spec.sku,
                name=v.spec.name,
                price=v.price,
                currency=settings.SHOP_CURRENCY,
                weight_grams=v.spec.weight_grams,
                low_stock_threshold=v.threshold,
                created_at=at,
                updated_at=at,
            )
            for v in plan.variants
        ]
        # A best seller's price changed over the history (prices.py): it was created at its
        # first price, and each change is a variant.updated event, as variant_update records it.
        changes = {i: history.changes() for i, history in plan.prices.items()}
        for i, (_first, found) in changes.items():
            if found:
                variants[i].updated_at = found[-1][0]
        _save_all(variants)
        self.variant_ids = [v.pk for v in variants]
        items = []
        for v, row in zip(plan.variants, variants, strict=True):
            first, found = changes.get(v.index, (row.price, []))
            self._catalog_event(
                "variant.created",
                row,
                {"sku": row.sku, "product_id": row.product_id, "price": str(first)},
            )
            for changed_at, price in found:
                event = ("variant.updated", row._meta.label_lower, row.pk, {"price": str(price)})
                self.price_events.append((changed_at, event))
            sources = [(v.supplier, Decimal(1))]
            if v.product.second_supplier:
                second = next(s for s in SUPPLIERS if s.key == v.product.second_supplier)
                sources.append((second, Decimal("1.08")))  # the backup source costs a bit more
            for spec, markup in sources:
                items.append(
                    SupplierItem(
                        supplier=suppliers[spec.key],
                        variant=row,
                        supplier_sku=f"{spec.sku_prefix}-{4100 + v.index * 7}",
                        unit_cost=(v.price * Decimal(spec.cost_ratio) * markup).quantize(CENT),
                        currency=settings.SHOP_CURRENCY,
                        created_at=at,
                        updated_at=at,
                    )
                )
        _save_all(items)
        for item in items:
            payload = {
                "item": {
                    "sku": item.variant.sku,
                    "supplier_sku": item.supplier_sku,
                    "unit_cost": str(item.unit_cost),
                }
            }
            self._catalog_event("supplier.updated", item.supplier, payload)
        levels = [
            StockLevel(
                variant_id=variant_id,
                location=self.location,
                on_hand=on_hand,
                reserved=reserved,
                created_at=at,
                updated_at=plan.now,
            )
            for variant_id, on_hand, reserved in zip(
                self.variant_ids, self.stock.on_hand, self.stock.reserved, strict=True
            )
        ]
        _save_all(levels)
        self.stock_ids = [s.pk for s in levels]

    def _catalog_event(self, type_: str, subject, payload: dict) -> None:
        self.catalog_events.append((type_, subject._meta.label_lower, subject.pk, payload))

    def customers(self) -> None:
        rows = []
        for c in self.plan.customers:
            first = c.first_order
            rows.append(
                (
                    c.email,
                    c.name,
                    c.language,
                    first.shipping_address,
                    first.billing_address,
                    [],
                    first.placed_at,
                    first.placed_at,
                )
            )
        ids = insert_rows(Customer, CUSTOMER_FIELDS, rows, return_ids=True)
        for c, pk in zip(self.plan.customers, ids, strict=True):
            self.customer_ids[id(c)] = pk

    def orders(self) -> None:
        variants = self.plan.variants
        for chunk in _chunks(self.plan.orders):
            ids = insert_rows(Order, ORDER_FIELDS, map(self._order, chunk), return_ids=True)
            lines, holds = [], []
            for o, order_id in zip(chunk, ids, strict=True):
                self.order_ids[id(o)] = order_id
                for (index, quantity), price in zip(o.lines, o.prices, strict=True):
                    v = variants[index]
                    lines.append(
                        (
                            order_id,
                            self.variant_ids[index],
                            v.spec.sku,
                            v.title,
                            quantity,
                            price,
                            price * quantity,
                            True,
                            o.placed_at,
                            o.placed_at,
                        )
                    )
                    holds.append((o, index, quantity))
            line_ids = insert_rows(OrderLine, LINE_FIELDS, lines, return_ids=True)
            reservations = []
            for line_id, (o, index, quantity) in zip(line_ids, holds, strict=True):
                if not o.reserves:
                    continue
                end = order_end(o)
                status, changed = ReservationStatus.ACTIVE, o.placed_at
                if end is not None:
                    changed = end[0]
                    consumed = end[1] == CONSUME
                    status = ReservationStatus.CONSUMED if consumed else ReservationStatus.RELEASED
                reservations.append(
                    (self.stock_ids[index], line_id, quantity, status, o.placed_at, changed)
                )
            insert_rows(Reservation, RESERVATION_FIELDS, reservations)
            self.progress.advance(len(chunk))

    def _order(self, o: OrderPlan) -> tuple:
        review = o.review
        last = o.steps[-1] if o.steps else None
        totals = o.totals
        return (
            o.number,
            secrets.token_urlsafe(24),  # the customer's secret link: never from the seed
            o.channel,
            self.customer_ids[id(o.customer)],
            o.customer.email,
            o.status,
            settings.SHOP_CURRENCY,
            totals.subtotal,
            totals.shipping,
            totals.shipping_method,
            totals.days_min,
            totals.days_max,
            totals.tax,
            totals.total,
            o.shipping_address,
            o.billing_address,
            o.note,
            o.client_ip,
            review.outcome if review else "",
            review.score if review else 0,
            review.as_dict() if review else {},
            last.reason if last else "",
            o.placed_at,
            o.step_at(S.ACCEPTED),
            o.step_at(S.SHIPPED),
            o.step_at(S.COMPLETED),
            o.step_at(S.CANCELLED),
            o.placed_at,
            last.at if last else o.placed_at,
        )

    def movements(self) -> None:
        location_id = self.location.pk
        rows = []
        for m in self.stock.movements:
            sale = m.kind == MovementKind.SALE
            rows.append(
                (
                    self.variant_ids[m.variant],
                    location_id,
                    m.kind,
                    m.quantity,
                    m.balance,
                    m.reason,
                    "orders.order" if sale else "",
                    str(self.order_ids[id(m.order)]) if sale else "",
                    ACTOR.kind,
                    ACTOR.label,
                    m.at,
                    m.at,
                )
            )
        for chunk in _chunks(rows):
            insert_rows(Movement, MOVEMENT_FIELDS, chunk)
            self.progress.advance(len(chunk))

    def events(self, records: list[tuple]) -> int:
        def past() -> Iterator[PastEvent]:
            for n, record in enumerate(records, 1):
                yield self._event(record)
                if n % CHUNK == 0:
                    self.progress.advance(CHUNK)
            self.progress.advance(len(records) % CHUNK)

        return events_import(events=past(), actor=ACTOR)

    def _event(self, record: tuple) -> PastEvent:
        at, _, _, kind, ref, extra = record
        if kind == "catalog":
            type_, subject_type, subject_id, payload = extra
            return PastEvent(type_, (subject_type, subject_id), payload, at, ref)
        if kind == "customer":
            c = ref
            return PastEvent(
                "customer.created",
                ("customers.customer", self.customer_ids[id(c)]),
                {"email": c.email, "name": c.name},
                at,
                c.first_order.correlation,
            )
        if kind == "stock":
            payload = {**ref.payload, "location_id": self.location.pk}
            subject = ("catalog.variant", self.variant_ids[ref.variant])
            return PastEvent(ref.type, subject, payload, at, ref.correlation)
        order: OrderPlan = ref
        subject = ("orders.order", self.order_ids[id(order)])
        if kind == "placed":
            payload = {
                "number": order.number,
                "channel": order.channel,
                "email": order.customer.email,
                "total": str(order.totals.total),
                "currency": settings.SHOP_CURRENCY,
                "lines": [
                    {"sku": self.plan.variants[i].spec.sku, "quantity": q} for i, q in order.lines
                ],
            }
            return PastEvent("order.placed", subject, payload, at, order.correlation)
        step = order.steps[extra]
        if extra == 0 and step.at == order.placed_at:  # the review's decision at intake
            payload = {"number": order.number, "review": order.review.as_dict()}
        else:
            previous = order.steps[extra - 1].status if extra else S.PLACED
            payload = {"number": order.number, "from": previous, "reason": step.reason}
            payload.update(step.extra or {})
        return PastEvent(f"order.{step.status}", subject, payload, at, step.correlation)


def _event_records(
    plan: DemoPlan, stock: StockPlan, catalog: list[tuple], prices: list[tuple], seed: int
) -> list:
    """Every event to write as (time, rank, seq, kind, ref, extra), oldest first; ``prices``:
    (time, catalog event) of each price change, which comes before an order of that instant."""
    rng = random.Random(f"catalog-{seed}")
    setup = uuid.UUID(int=rng.getrandbits(128), version=4)
    records = [(plan.catalog_at, -1, n, "catalog", setup, c) for n, c in enumerate(catalog)]
    for n, (at, change) in enumerate(prices, len(catalog)):
        correlation = uuid.UUID(int=rng.getrandbits(128), version=4)  # each change its own
        records.append((at, -1, n, "catalog", correlation, change))
    for seq, o in enumerate(plan.orders):
        if o.customer.first_order is o:
            records.append((o.placed_at, RANK_CUSTOMER, seq, "customer", o.customer, None))
        records.append((o.placed_at, RANK_PLACED, seq, "placed", o, None))
        for i, step in enumerate(o.steps):
            decided = i == 0 and step.at == o.placed_at
            records.append((step.at, RANK_DECIDED if decided else RANK_LATER, seq, "step", o, i))
    for e in stock.events:
        records.append((e.at, RANK_STOCK, e.seq, "stock", e, None))
    records.sort(key=lambda r: (r[0], r[1], r[2]))
    return records


@contextmanager
def _bulk_session() -> Iterator[None]:
    """SQLite: a bigger page cache while loading, so index pages stay in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _analyze() -> None:
    """PostgreSQL: give the query planner statistics about what was just loaded. Autovacuum
    would get there some time later; until then a page of a 100,000-order shop took up to
    half again as long (bench/pages.py: orders page 20 69 → 49 ms after ANALYZE). Not on
    SQLite: there its statistics made the same page slower (28 → 39 ms)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def shop_exists() -> bool:
    """Whether the catalog has products: then the demo loads nothing."""
    return Product.objects.exists()


def demo_load(
    *, orders: int = 3000, seed: int = 1, now=None, progress: TextIO | None = sys.stderr
) -> DemoResult:
    """Load the demo shop unless the catalog has products already (then change nothing).

    ``progress``: where to draw a progress bar, if it is a terminal.
    """
    started = time.monotonic()
    if shop_exists():
        return DemoResult(loaded=False)
    bar = Progress(progress, phases=4)
    plan = plan_demo(orders=orders, seed=seed, now=now, progress=bar)
    stock = simulate_stock(plan, seed)
    with _bulk_session(), transaction.atomic():
        if shop_exists():  # another loader got there first
            return DemoResult(loaded=False)
        writer = _Writer(plan, stock, bar)
        writer.catalog()
        writer.customers()
        bar.phase("orders", len(plan.orders))
        writer.orders()
        # Rows inserted in bulk dispatch no events: the customers' totals are filled at once.
        customer_stats_refresh()
        bar.phase("ledger", len(stock.movements))
        writer.movements()
        records = _event_records(plan, stock, writer.catalog_events, writer.price_events, seed)
        bar.phase("events", len(records))
        events = writer.events(records)
    _analyze()
    bar.close()
    return DemoResult(
        loaded=True,
        suppliers=Supplier.objects.count(),
        products=Product.objects.count(),
        variants=len(plan.variants),
        customers=len(plan.customers),
        orders=len(plan.orders),
        movements=len(stock.movements),
        events=events,
        seconds=time.monotonic() - started,
        by_status=dict(Counter(o.status for o in plan.orders)),
    )
