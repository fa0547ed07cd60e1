"""Every change of stock: reserve, release, consume (ship), receive, adjust, count.

Each runs in a transaction, changes stock rows only through ``locks.apply_deltas`` (one
statement, primary-key lock order, never below zero), writes a ledger movement for every
change of on-hand stock, and emits ``stock.low`` / ``stock.out`` when available stock crosses
the SKU's threshold downward — once per crossing, because it compares before with after.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_instances, insert_rows
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.inventory import locks
from soloops.inventory.errors import InventoryErrorCode as Code
from soloops.inventory.models import (
    Location,
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockLevel,
)
from soloops.locking import lock_own_rows


class InsufficientStock(Conflict):
    pass


@dataclass(frozen=True)
class Hold:
    """A request to reserve ``quantity`` of ``stock`` for one order line.

    ``field`` names where the quantity came from in the caller's input (``lines[2].quantity``)
    so an error can point at it. ``stock`` must have ``variant`` loaded.
    """

    stock: StockLevel
    quantity: int
    order_line_id: int
    field: str


def _emit_crossings(
    stock_rows: list[StockLevel],
    deltas: dict[int, tuple[int, int]],
    after: dict[int, tuple[int, int]],
    actor,
) -> None:
    for stock in stock_rows:
        if stock.pk not in after:
            continue
        on_hand, reserved = after[stock.pk]
        available = on_hand - reserved
        # "Before" is the locked row just before this statement changed it, not ``stock`` as
        # the caller read it earlier: that read may be stale (intake reads before locking), and
        # judging the crossing on it emitted stock.low again on every later change.
        before_available = available - (deltas[stock.pk][0] - deltas[stock.pk][1])
        threshold = stock.variant.low_stock_threshold
        payload = {
            "sku": stock.variant.sku,
            "location_id": stock.location_id,
            "available": available,
            "threshold": threshold,
        }
        if before_available >= threshold > available:
            event_emit(type="stock.low", subject=stock.variant, payload=payload, actor=actor)
        if before_available > 0 >= available:
            event_emit(type="stock.out", subject=stock.variant, payload=payload, actor=actor)
        stock.on_hand, stock.reserved = on_hand, reserved


def stock_reserve(*, holds: list[Hold], actor: Actor) -> list[Reservation]:
    """Reserve every hold or none (InsufficientStock names the first short line).

    Precondition: inside the caller's transaction; call it last, just before commit.
    """
    wanted: dict[int, int] = defaultdict(int)
    for hold in holds:
        wanted[hold.stock.pk] += hold.quantity
    deltas = {pk: (0, qty) for pk, qty in wanted.items()}
    after = locks.apply_deltas(deltas)
    if len(after) < len(wanted):
        # All or none, even for a caller that catches the error and commits: give back what
        # this statement did reserve (the rows are still locked by this transaction).
        locks.apply_deltas({pk: (0, -wanted[pk]) for pk in after})
        short = next(h for h in holds if h.stock.pk not in after)
        current = StockLevel.objects.get(pk=short.stock.pk)
        raise InsufficientStock(
            Code.INSUFFICIENT_STOCK,
            f"only {current.on_hand - current.reserved} of {short.stock.variant.sku} available, "
            f"{wanted[short.stock.pk]} requested",
            field=short.field,
            extra={
                "sku": short.stock.variant.sku,
                "available": current.on_hand - current.reserved,
                "requested": wanted[short.stock.pk],
            },
        )
    reservations = insert_instances(
        [
            Reservation(stock_id=h.stock.pk, order_line_id=h.order_line_id, quantity=h.quantity)
            for h in holds
        ]
    )
    unique_rows = list({h.stock.pk: h.stock for h in holds}.values())
    _emit_crossings(unique_rows, deltas, after, actor)
    return reservations


def _lock_active(order_line_ids: list[int]):
    """The lines' active reservations, locked (in id order) until the caller commits.

    Without the lock two sessions releasing or consuming the same lines both read them as
    active and both take them off the stock row. Locked, the second waits, then finds them
    no longer active. Only the reservation rows are locked (``of=self``); stock rows are
    locked later, by ``apply_deltas``, in id order."""
    return (
        lock_own_rows(Reservation.objects)
        .filter(order_line_id__in=order_line_ids, status=ReservationStatus.ACTIVE)
        .order_by("pk")
    )


def stock_release(*, order_line_ids: list[int], actor: Actor) -> int:
    """Give back the active reservations of these order lines; returns units released."""
    with transaction.atomic():
        active = list(_lock_active(order_line_ids))
        if not active:
            return 0
        deltas: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for r in active:
            deltas[r.stock_id] = (0, deltas[r.stock_id][1] - r.quantity)
        locks.apply_deltas(dict(deltas))
        Reservation.objects.filter(pk__in=[r.pk for r in active]).update(
            status=ReservationStatus.RELEASED
        )
    return sum(r.quantity for r in active)


def stock_consume(
    *,
    order_line_ids: list[int] | None = None,
    quantities: dict[int, int] | None = None,
    reference: tuple[str, str],
    actor: Actor,
) -> list[Movement]:
    """Shipping: turn order lines' active reservations into sale movements.

    ``order_line_ids`` consumes each line's whole active reservation (the order left in one
    go); ``quantities`` ({order_line_id: units}) consumes just that many units of each line
    (a partial shipment). A reservation consumed in part is split: its row keeps the units
    still held, active, and a new consumed row records the units that left, so ``reserved``
    stays the sum of active reservations. A line with fewer active units than asked raises
    Conflict (insufficient_stock) and changes nothing.
    """
    if (order_line_ids is None) == (quantities is None):
        raise TypeError("stock_consume takes order_line_ids or quantities, not both")
    if quantities is not None and any(units < 1 for units in quantities.values()):
        raise ValueError(f"quantities must be positive: {quantities}")
    with transaction.atomic():
        line_ids = list(quantities) if quantities is not None else order_line_ids
        active = list(_lock_active(line_ids).select_related("stock__variant"))
        taken = [(r, r.quantity) for r in active] if quantities is None else []
        if quantities is not None:
            left = dict(quantities)
            for r in active:  # oldest reservation first
                if take := min(r.quantity, left[r.order_line_id]):
                    taken.append((r, take))
                    left[r.order_line_id] -= take
            if short := next(((line, n) for line, n in left.items() if n), None):
                line_id, missing = short
                raise Conflict(
                    Code.INSUFFICIENT_STOCK,
                    f"order line {line_id} has {quantities[line_id] - missing} units reserved, "
                    f"{quantities[line_id]} to ship",
                    extra={
                        "order_line_id": line_id,
                        "reserved": quantities[line_id] - missing,
                        "requested": quantities[line_id],
                    },
                )
        per_stock: dict[int, int] = defaultdict(int)
        for r, units in taken:
            per_stock[r.stock_id] += units
        after = locks.apply_deltas({pk: (-q, -q) for pk, q in per_stock.items()})
        if len(after) < len(per_stock):
            raise Conflict(Code.INSUFFICIENT_STOCK, "stock changed under the reservation")
        Reservation.objects.filter(
            pk__in=[r.pk for r, units in taken if units == r.quantity]
        ).update(status=ReservationStatus.CONSUMED)
        if part := [(r, units) for r, units in taken if units < r.quantity]:
            for r, units in part:
                Reservation.objects.filter(pk=r.pk).update(quantity=r.quantity - units)
            Reservation.objects.bulk_create(
                Reservation(
                    stock_id=r.stock_id,
                    order_line_id=r.order_line_id,
                    quantity=units,
                    status=ReservationStatus.CONSUMED,
                )
                for r, units in part
            )
        stocks = {r.stock_id: r.stock for r, _ in taken}
        return _record(
            [(stocks[pk], MovementKind.SALE, -q, after[pk][0]) for pk, q in per_stock.items()],
            reason="",
            reference=reference,
            actor=actor,
        )


def _record(changes, *, reason: str, reference: tuple[str, str], actor: Actor) -> list[Movement]:
    return Movement.objects.bulk_create(
        Movement(
            variant_id=stock.variant_id,
            location_id=stock.location_id,
            kind=kind,
            quantity=quantity,
            balance_after=balance,
            reason=reason,
            reference_type=reference[0],
            reference_id=str(reference[1]),
            actor_kind=actor.kind,
            actor_label=actor.label,
        )
        for stock, kind, quantity, balance in changes
    )


def default_location() -> Location:
    """The default location; created if missing (a fresh database has it from a migration,
    but a test that empties every table removes it)."""
    location, _ = Location.objects.get_or_create(
        is_default=True, defaults={"code": "main", "name": "Main warehouse"}
    )
    return location


def _stock_row(variant, location: Location | None) -> StockLevel:
    location = location or default_location()
    stock, _ = StockLevel.objects.select_related("variant").get_or_create(
        variant=variant, location=location
    )
    stock.variant = variant
    return stock


def stock_track(*, variant, location: Location | None = None) -> StockLevel:
    """Make sure the variant has a stock row (zero) at the location (default: the default)."""
    with transaction.atomic():
        return _stock_row(variant, location)


def stocks_track(*, variants: list) -> None:
    """Each new variant's (zero) stock row at the default location, in one INSERT: the catalog
    calls this in the transaction that creates the variants (one, or a chunk of an import)."""
    location = default_location()
    have = set(
        StockLevel.objects.filter(location=location, variant__in=variants).values_list(
            "variant_id", flat=True
        )
    )
    insert_rows(
        StockLevel, ("variant_id", "location_id"),
        [(v.pk, location.pk) for v in variants if v.pk not in have],
    )  # fmt: skip


def stock_change(
    *,
    variant,
    quantity: int,
    kind: str,
    actor: Actor,
    reason: str = "",
    reference: tuple[str, str] = ("", ""),
    location: Location | None = None,
) -> Movement:
    """Add (or, negative, remove) on-hand stock with a ledger movement and its event.

    Receipts and returns add; adjustments and count corrections may go either way and need a
    reason. On-hand stock can never drop below what is reserved.
    """
    if kind not in MovementKind.values or kind == MovementKind.SALE:
        raise InvalidInput(Code.INVALID_QUANTITY, f"unknown movement kind {kind!r}", field="kind")
    if quantity == 0:
        raise InvalidInput(Code.INVALID_QUANTITY, "quantity must not be zero", field="quantity")
    if kind in (MovementKind.RECEIPT, MovementKind.RETURN) and quantity < 0:
        raise InvalidInput(Code.INVALID_QUANTITY, f"a {kind} must add stock", field="quantity")
    if kind in (MovementKind.ADJUSTMENT, MovementKind.COUNT) and not reason.strip():
        raise InvalidInput(Code.REASON_REQUIRED, "say why the stock changed", field="reason")
    with transaction.atomic():
        stock = _stock_row(variant, location)
        after = locks.apply_deltas({stock.pk: (quantity, 0)})
        if not after:
            current = StockLevel.objects.get(pk=stock.pk)
            raise Conflict(
                Code.BELOW_RESERVED,
                f"cannot remove {-quantity}: {current.on_hand} on hand, "
                f"{current.reserved} reserved",
                field="quantity",
            )
        (movement,) = _record(
            [(stock, kind, quantity, after[stock.pk][0])],
            reason=reason.strip(),
            reference=reference,
            actor=actor,
        )
        event_emit(
            type="stock.received" if kind == MovementKind.RECEIPT else "stock.adjusted",
            subject=variant,
            payload={
                "sku": variant.sku,
                "kind": kind,
                "quantity": quantity,
                "on_hand": after[stock.pk][0],
                "reason": movement.reason,
                "location_id": stock.location_id,
            },
            actor=actor,
        )
        _emit_crossings([stock], {stock.pk: (quantity, 0)}, after, actor)
    return movement


def stock_count(
    *, variant, counted: int, actor: Actor, reason: str = "stock count", location=None
) -> Movement | None:
    """Set on-hand stock to what a count found, as a count-correction movement."""
    if counted < 0:
        raise InvalidInput(Code.INVALID_QUANTITY, "a count cannot be negative", field="counted")
    with transaction.atomic():
        stock = _stock_row(variant, location)
        # Locked, so a receipt committing between this read and the correction cannot make
        # the result differ from what was counted.
        current = StockLevel.objects.select_for_update().get(pk=stock.pk)
        delta = counted - current.on_hand
        if delta == 0:
            return None
        if counted < current.reserved:
            raise Conflict(
                Code.BELOW_RESERVED,
                f"cannot count {counted}: {current.reserved} are reserved for orders",
                field="counted",
                extra={"reserved": current.reserved},
            )
        return stock_change(
            variant=variant,
            quantity=delta,
            kind=MovementKind.COUNT,
            reason=reason,
            actor=actor,
            location=stock.location,
        )
