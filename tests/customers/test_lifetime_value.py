"""Lifetime value: BG/NBD and Gamma-Gamma recover the parameters of a generated history, the
calibration (fit before a date, predict after) lands near the truth, and the service stores
each customer's prediction — or says why the history is too short."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from soloops.automation.models import Event
from soloops.customers import ltv
from soloops.customers.lifetime import Seasons
from soloops.customers.models import Customer, LtvFit
from soloops.customers.services import customer_ltv_refresh
from soloops.demo import seasons
from soloops.demo.plan import plan_demo
from tests.customers.conftest import SYSTEM

TRUE = ltv.BgNbd(r=0.6, alpha=40.0, a=0.8, b=3.0)
N = 4000


@pytest.fixture(scope="module")
def history():
    return ltv.simulate(TRUE, N, span=730, seed=11)


def test_bgnbd_recovers_the_parameters_it_was_drawn_from(history):
    who, when = history
    x, t_x, T, _after, _known = ltv.summarise(who, when, until=730, n=N)

    fitted = ltv.bgnbd_fit(x, t_x, T)

    assert fitted.r == pytest.approx(TRUE.r, rel=0.2)
    assert fitted.alpha == pytest.approx(TRUE.alpha, rel=0.25)
    assert fitted.a == pytest.approx(TRUE.a, rel=0.35)
    assert fitted.b == pytest.approx(TRUE.b, rel=0.35)


def test_calibration_predicts_the_holdout_total_within_ten_percent(history):
    who, when = history
    x, t_x, T, after, _known = ltv.summarise(who, when, until=550, n=N)

    model = ltv.bgnbd_fit(x, t_x, T)
    predicted = ltv.expected_purchases(model, 180, x, t_x, T)

    assert predicted.sum() == pytest.approx(after.sum(), rel=0.10)
    # and customers with more orders before are predicted more after, as they did
    assert predicted[x >= 3].mean() > predicted[x == 0].mean()


def test_gamma_gamma_recovers_the_spend_model():
    rng = np.random.default_rng(5)
    p, q, v = 6.0, 4.0, 15.0
    nu = rng.gamma(q, 1 / v, 3000)
    x = rng.integers(1, 8, 3000)
    m = np.array([rng.gamma(p, 1 / nu_i, k).mean() for nu_i, k in zip(nu, x, strict=True)])

    fitted = ltv.gamma_gamma_fit(x, m)

    # p trades off against q and v (a known ridge of this likelihood): roughly, and the
    # population's mean order value, p*v/(q-1), which is what predictions use, within 10 %
    assert fitted.p == pytest.approx(p, rel=0.5)
    assert fitted.p * fitted.v / (fitted.q - 1) == pytest.approx(p * v / (q - 1), rel=0.10)


def _customers_from(history, n: int, now):
    who, when = history
    mine = who < n
    x, t_x, T, _after, _known = ltv.summarise(who[mine], when[mine], until=730, n=n)
    rows = []
    for i, (xi, txi, Ti) in enumerate(zip(x, t_x, T, strict=True)):
        first = now - timedelta(days=float(Ti))
        rows.append(
            Customer(
                email=f"c{i}@example.com",
                orders_count=int(xi) + 1,
                total_spent=Decimal(30 * (int(xi) + 1)),
                first_order_at=first,
                last_order_at=first + timedelta(days=float(txi)),
            )
        )
    Customer.objects.bulk_create(rows)


def test_the_service_stores_each_customers_prediction(db, history):
    now = timezone.now()
    _customers_from(history, 600, now)

    fit = customer_ltv_refresh(actor=SYSTEM, now=now)

    assert fit.reason == "" and set(fit.params) == {"bgnbd", "gamma_gamma"}
    customers = list(Customer.objects.all())
    assert all(0 < c.p_alive <= 1 for c in customers)
    assert all(c.expected_orders_90d >= 0 for c in customers)
    loyal = max(customers, key=lambda c: (c.orders_count, c.last_order_at))
    one_off = min(customers, key=lambda c: (c.orders_count, c.first_order_at))
    assert loyal.expected_value_90d > one_off.expected_value_90d
    assert Event.objects.filter(type="customer.ltv_fitted").count() == 1


def test_a_short_history_says_why_and_predicts_nothing(db):
    now = timezone.now()
    Customer.objects.create(
        email="only@example.com", orders_count=1, total_spent=Decimal("20"),
        first_order_at=now, last_order_at=now, p_alive=0.5,
    )  # fmt: skip

    fit = customer_ltv_refresh(actor=SYSTEM, now=now)

    assert fit.reason == "only 1 buyers; the model needs at least 50"
    assert Customer.objects.get().p_alive is None
    assert LtvFit.objects.get().reason == fit.reason


@pytest.mark.parametrize("until", ["2026-06-01", "2026-08-01", "2026-10-01"])
def test_the_demo_shop_without_its_seasons_calibrates_within_ten_percent(monkeypatch, until):
    # given the demo's year with its growth but not its seasons (BG/NBD assumes each customer
    # keeps their pace; a Christmas in the holdout it cannot know): the shop grows by winning
    # customers, so the model fitted before the date predicts the orders after it
    def growth_only(day, first):
        share = (day - first).days / (seasons.DAYS - 1)
        return seasons.GROWTH_FIRST + (seasons.GROWTH_LAST - seasons.GROWTH_FIRST) * share

    monkeypatch.setattr(seasons, "day_weight", growth_only)
    now = datetime(2026, 12, 7, 6, tzinfo=UTC)
    plan = plan_demo(orders=3000, seed=1, now=now)
    counted = [o for o in plan.orders if o.status not in ("cancelled", "rejected")]
    index = {email: n for n, email in enumerate({o.customer.email for o in counted})}
    cut = datetime.fromisoformat(until).replace(tzinfo=UTC)
    who = np.array([index[o.customer.email] for o in counted])
    when = np.array([(o.placed_at - cut).total_seconds() / 86400 for o in counted])

    # when
    x, t_x, T, after, _known = ltv.summarise(who, when, until=0.0, n=len(index))
    model = ltv.bgnbd_fit(x, t_x, T)
    predicted = ltv.expected_purchases(model, (now - cut).total_seconds() / 86400, x, t_x, T)

    # then (drawn from the whole pool all year, every customer sped up with the shop: 8-16 % low)
    assert predicted.sum() == pytest.approx(after.sum(), rel=0.10)


@pytest.fixture(scope="module")
def demo_orders():
    """The demo's two years with their seasons (Christmas, Black Friday, a slow January)."""
    now = datetime(2026, 12, 7, 6, tzinfo=UTC)
    plan = plan_demo(orders=3000, seed=1, now=now)
    counted = [o for o in plan.orders if o.status not in ("cancelled", "rejected")]
    index = {email: n for n, email in enumerate({o.customer.email for o in counted})}
    who = np.array([index[o.customer.email] for o in counted])
    return now, who, [o.placed_at for o in counted], len(index)


@pytest.mark.parametrize("until", ["2026-03-01", "2026-09-01"])
def test_the_seasonal_clock_calibrates_the_demo_shop_with_its_seasons(demo_orders, until):
    # given a fit that ends after the winter season (recent buyers look fast) or a holdout that
    # holds the next one (every buyer looks slow)
    now, who, placed, n = demo_orders
    cut = datetime.fromisoformat(until).replace(tzinfo=UTC)
    when = np.array([(at - cut).total_seconds() / 86400 for at in placed])
    horizon = (now - cut).total_seconds() / 86400

    def predicted_total(seasons: Seasons) -> tuple[float, int]:
        x, t_x, T, after, _known = ltv.summarise(who, seasons.clock(when), until=0.0, n=n)
        model = ltv.bgnbd_fit(x, t_x, T)
        return ltv.expected_purchases(model, seasons.ahead(horizon), x, t_x, T).sum(), after.sum()

    # when
    seasonal, actual = predicted_total(Seasons.before(when))
    calendar, _ = predicted_total(Seasons(None, 0.0))

    # then: on the shop's seasonal clock within 10 %; on the calendar not
    assert seasonal == pytest.approx(actual, rel=0.10)
    assert calendar != pytest.approx(actual, rel=0.10)


def test_the_seasonal_clock_runs_with_the_index_and_at_one_outside_it():
    index = np.array([0.5, 1.5] * 200)  # 400 days: a slow day, a busy day

    clock = ltv.seasonal_clock(index, [0.0, 1.0, 2.0, 2.5, -3.0, 401.0])

    assert clock.tolist() == [0.0, 0.5, 2.0, 2.25, -3.0, 401.0]
    assert ltv.seasonal_clock(None, [2.5]).tolist() == [2.5]
    # 2 days from day 400 count as days 36 and 37 a year before: 0.5 + 1.5
    assert ltv.seasonal_horizon(index, 400.0, 2.0) == pytest.approx(2.0)
    assert ltv.seasonal_index(np.ones(100)) is None  # under a year: no season to learn
