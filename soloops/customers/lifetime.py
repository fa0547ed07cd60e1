"""Each customer's predicted value, fitted on the shop's history (soloops.customers.ltv has the
models), and the owner's calibration check: fit before a date, predict after it, compare."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.customers import ltv
from soloops.customers.models import Customer, LtvFit
from soloops.customers.registry import customer_data_sources
from soloops.events.services import event_emit

HORIZON_DAYS = 90
MIN_BUYERS = 50
MIN_REPEAT_BUYERS = 10
MIN_SPAN_DAYS = 90
DAY = 86400.0
BATCH = 1000
FREQUENCY_GROUPS = (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, 10**9))


def _reason(buyers: int, repeat: int, span_days: float) -> str:
    if buyers < MIN_BUYERS:
        return f"only {buyers} buyers; the model needs at least {MIN_BUYERS}"
    if repeat < MIN_REPEAT_BUYERS:
        return f"only {repeat} customers ordered twice; the model needs {MIN_REPEAT_BUYERS}"
    if span_days < MIN_SPAN_DAYS:
        return f"{span_days:.0f} days of history; the model needs {MIN_SPAN_DAYS}"
    return ""


def _order_times(cut: datetime) -> tuple[list, np.ndarray]:
    """(customer ids, days from ``cut``: negative before it) of every counted order."""
    who, when = [], []
    for source in customer_data_sources():
        if source.history is not None:
            for customer_id, placed_at, _total in source.history():
                who.append(customer_id)
                when.append((placed_at - cut).total_seconds() / DAY)
    return who, np.array(when, dtype=float)


@dataclass(frozen=True)
class Seasons:
    """The shop's seasonal clock (``ltv.seasonal_index``) over the days before a cut:
    ``origin`` is its first day, in days from the cut (negative)."""

    index: np.ndarray | None
    origin: float

    @classmethod
    def before(cls, when: np.ndarray) -> "Seasons":
        """From the orders' times (days from the cut), those before the cut only."""
        before = when[when < 0]
        if not len(before):
            return cls(None, 0.0)
        origin = float(np.floor(before.min()))
        days = int(-origin)
        daily = np.bincount((before - origin).astype(np.int64), minlength=days)[:days]
        return cls(ltv.seasonal_index(daily), origin)

    def clock(self, when) -> np.ndarray:
        """Times (days from the cut) on the seasonal clock, the cut at 0."""
        if self.index is None:
            return np.asarray(when, dtype=float)  # the calendar, exactly
        cut = ltv.seasonal_clock(self.index, [-self.origin])[0]
        return ltv.seasonal_clock(self.index, np.asarray(when, dtype=float) - self.origin) - cut

    def ahead(self, days: float) -> float:
        """The ``days`` after the cut on the seasonal clock (last year's index)."""
        return ltv.seasonal_horizon(self.index, -self.origin, days)


def customer_ltv_refresh(*, actor: Actor, now: datetime | None = None) -> LtvFit:
    """Fit BG/NBD and Gamma-Gamma on every buyer's totals and store each one's probability of
    still being a customer, expected orders and expected value in the next 90 days; with too
    short a history, clear them and say why (``customer.ltv_fitted`` either way). The mean
    order value includes the first order (the totals keep no per-order split)."""
    now = now or timezone.now()
    rows = list(
        Customer.objects.filter(merged_into__isnull=True, orders_count__gt=0)
        .exclude(first_order_at=None)
        .values_list("pk", "orders_count", "total_spent", "first_order_at", "last_order_at")
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    n = np.array([r[1] for r in rows], dtype=float)
    spent = np.array([float(r[2]) for r in rows], dtype=float)
    first = np.array([(now - r[3]).total_seconds() / DAY for r in rows], dtype=float)
    last = np.array([(now - r[4]).total_seconds() / DAY for r in rows], dtype=float)
    x = n - 1
    repeat = int(np.sum(x > 0))
    reason = _reason(len(rows), repeat, float(first.max()) if rows else 0.0)
    params: dict = {}
    values: dict[int, tuple] = {}
    if not reason:
        seasons = Seasons.before(_order_times(now)[1])
        # days ago → the seasonal clock (the identity with under a year of orders)
        started, latest = seasons.clock(-first), seasons.clock(-last)
        T, t_x = -started, latest - started
        bg = ltv.bgnbd_fit(x, t_x, T)
        mean = np.where(n > 0, spent / np.maximum(n, 1), 0)
        gg = ltv.gamma_gamma_fit(n, mean)
        alive = ltv.p_alive(bg, x, t_x, T)
        orders = ltv.expected_purchases(bg, seasons.ahead(HORIZON_DAYS), x, t_x, T)
        value = orders * ltv.expected_order_value(gg, n, mean)
        params = {"bgnbd": bg.__dict__, "gamma_gamma": gg.__dict__}
        params = {k: {p: float(v) for p, v in d.items()} for k, d in params.items()}
        values = {
            int(i): (float(a), float(o), Decimal(str(round(float(v), 2))))
            for i, a, o, v in zip(ids, alive, orders, value, strict=True)
        }
    with transaction.atomic():
        LtvFit.objects.all().delete()
        fit = LtvFit.objects.create(
            params=params, buyers=len(rows), repeat_buyers=repeat, reason=reason, fitted_at=now
        )
        for start in range(0, len(ids), BATCH):
            chunk = list(Customer.objects.filter(pk__in=ids[start : start + BATCH].tolist()))
            for c in chunk:
                c.p_alive, c.expected_orders_90d, c.expected_value_90d = values.get(
                    c.pk, (None, None, None)
                )
            Customer.objects.bulk_update(
                chunk, ["p_alive", "expected_orders_90d", "expected_value_90d"]
            )
        event_emit(
            type="customer.ltv_fitted",
            subject=("customers.ltvfit", fit.pk),
            payload={"buyers": len(rows), "repeat_buyers": repeat, "reason": reason},
            actor=actor,
        )
    return fit


@dataclass(frozen=True)
class Calibration:
    until: datetime
    end: datetime
    customers: int
    predicted: float
    actual: int
    by_frequency: list[tuple[str, int, float, int]]  # (repeat orders before, customers, pred, act)
    reason: str = ""


def calibrate(*, until: datetime, now: datetime | None = None) -> Calibration:
    """Fit on the orders before ``until``, predict each customer's repeat orders from then to
    now, and compare with what they did (customers whose first order came later are left out)."""
    now = now or timezone.now()
    who, when_days = _order_times(until)  # days relative to ``until``: before it is negative
    index = {c: i for i, c in enumerate(sorted(set(who)))}
    who_ix = np.array([index[c] for c in who], dtype=np.int64)
    x, t_x, T, after, _known = ltv.summarise(who_ix, when_days, until=0.0, n=len(index))
    horizon = (now - until).total_seconds() / DAY
    reason = _reason(len(x), int(np.sum(x > 0)), float(T.max()) if len(T) else 0.0)
    if reason or horizon <= 0:
        return Calibration(until, now, len(x), 0.0, int(after.sum()), [], reason or "no days after")
    # the same fit as the service's: on the seasonal clock of the orders before ``until``
    seasons = Seasons.before(when_days)
    x, t_x, T, after, _known = ltv.summarise(
        who_ix, seasons.clock(when_days), until=0.0, n=len(index)
    )
    model = ltv.bgnbd_fit(x, t_x, T)
    predicted = ltv.expected_purchases(model, seasons.ahead(horizon), x, t_x, T)
    groups = []
    for label, lo, hi in FREQUENCY_GROUPS:
        mask = (x >= lo) & (x <= hi)
        groups.append(
            (label, int(mask.sum()), float(predicted[mask].sum()), int(after[mask].sum()))
        )
    return Calibration(until, now, len(x), float(predicted.sum()), int(after.sum()), groups)
