"""The order state machine: which status may follow which. Only services change status."""

from soloops.orders.models import OrderStatus as S

TRANSITIONS: dict[str, set[str]] = {
    S.PLACED: {S.ON_HOLD, S.ACCEPTED, S.REJECTED, S.CANCELLED},
    S.ON_HOLD: {S.ACCEPTED, S.REJECTED, S.CANCELLED},
    S.ACCEPTED: {S.PAID, S.ON_HOLD, S.CANCELLED},  # a flow or the owner may hold it
    S.PAID: {S.FULFILLING, S.CANCELLED},  # cancelling a paid order needs a refund (payments)
    S.FULFILLING: {S.SHIPPED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.COMPLETED},
    S.REJECTED: set(),
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}

# Statuses in which the order holds reserved stock.
HOLDS_STOCK = {S.PLACED, S.ON_HOLD, S.ACCEPTED, S.PAID, S.FULFILLING}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]
