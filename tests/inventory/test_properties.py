"""Property: whatever sequence of stock changes happens, the stock row matches a simple model,
``on_hand >= reserved >= 0``, and the ledger invariant holds; a refused change changes nothing.

Each hypothesis example runs in a savepoint that is rolled back, so examples start alike.
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soloops.errors import Conflict
from soloops.inventory.models import Movement, Reservation
from soloops.inventory.selectors import ledger_mismatches, stock_for_skus
from soloops.inventory.services import (
    Hold,
    InsufficientStock,
    stock_change,
    stock_consume,
    stock_count,
    stock_release,
    stock_reserve,
)
from tests.factories import make_variant
from tests.inventory.conftest import SYSTEM, place, stock_of

LINES = 3

operations = st.lists(
    st.one_of(
        st.tuples(st.just("receipt"), st.integers(1, 20)),
        st.tuples(st.just("return"), st.integers(1, 5)),
        st.tuples(st.just("adjustment"), st.integers(-25, 25).filter(bool)),
        st.tuples(st.just("count"), st.integers(0, 40)),
        st.tuples(st.just("reserve"), st.integers(0, LINES - 1), st.integers(1, 15)),
        st.tuples(st.just("release"), st.integers(0, LINES - 1)),
        st.tuples(st.just("consume"), st.integers(0, LINES - 1)),
    ),
    max_size=25,
)


@dataclass
class Model:
    """What the stock row should say: on hand, and what each order line holds."""

    on_hand: int = 0
    held: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(LINES), 0))

    @property
    def reserved(self) -> int:
        return sum(self.held.values())


class Rollback(Exception):
    pass


@pytest.fixture
def carrier_lines(default_location, accepting_policy) -> list[int]:
    """Order lines (of another SKU, their own reservations given back) to reserve against."""
    make_variant("CARRIER-1", stock=LINES)
    order = place(*[("CARRIER-1", 1)] * LINES)
    ids = list(order.lines.order_by("pk").values_list("pk", flat=True))
    stock_release(order_line_ids=ids, actor=SYSTEM)
    return ids


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_any_sequence_of_stock_changes_keeps_the_ledger(carrier_lines, ops):
    try:
        with transaction.atomic():
            _run(carrier_lines, ops)
            raise Rollback
    except Rollback:
        pass


def _run(lines: list[int], ops: list[tuple]) -> None:
    # given
    variant = make_variant("PROP-1", stock=0)
    model = Model()
    for op in ops:
        before = (Movement.objects.count(), Reservation.objects.count())
        refused = False

        # when
        kind, *args = op
        try:
            _apply(variant, lines, kind, args)
        except (Conflict, InsufficientStock):
            refused = True

        # then: refused exactly when the model says it must be, and then nothing changed
        expected_refusal = _model_apply(model, kind, args)
        assert refused == expected_refusal, (op, model)
        if refused:
            assert (Movement.objects.count(), Reservation.objects.count()) == before
        row = stock_of(variant)
        assert (row.on_hand, row.reserved) == (model.on_hand, model.reserved), op
        assert row.on_hand >= row.reserved >= 0
        assert ledger_mismatches() == []


def _apply(variant, lines: list[int], kind: str, args: list[int]) -> None:
    if kind in ("receipt", "return"):
        stock_change(variant=variant, quantity=args[0], kind=kind, actor=SYSTEM)
    elif kind == "adjustment":
        stock_change(variant=variant, quantity=args[0], kind=kind, reason="test", actor=SYSTEM)
    elif kind == "count":
        stock_count(variant=variant, counted=args[0], actor=SYSTEM)
    elif kind == "reserve":
        line, quantity = args
        row = stock_for_skus([variant.sku])[variant.sku]
        stock_reserve(holds=[Hold(row, quantity, lines[line], "quantity")], actor=SYSTEM)
    elif kind == "release":
        stock_release(order_line_ids=[lines[args[0]]], actor=SYSTEM)
    elif kind == "consume":
        stock_consume(order_line_ids=[lines[args[0]]], reference=("test", "1"), actor=SYSTEM)


def _model_apply(model: Model, kind: str, args: list[int]) -> bool:
    """Apply the change to the model; True if the services must refuse it."""
    if kind in ("receipt", "return"):
        model.on_hand += args[0]
    elif kind == "adjustment":
        if model.on_hand + args[0] < model.reserved:
            return True
        model.on_hand += args[0]
    elif kind == "count":
        if args[0] != model.on_hand and args[0] < model.reserved:
            return True
        model.on_hand = args[0]
    elif kind == "reserve":
        line, quantity = args
        if model.on_hand - model.reserved < quantity:
            return True
        model.held[line] += quantity
    elif kind == "release":
        model.held[args[0]] = 0
    elif kind == "consume":
        model.on_hand -= model.held[args[0]]
        model.held[args[0]] = 0
    return False
