"""The intervals against scipy and the textbooks, on fixed data, edges included."""

import math
import random

import pytest
from scipy import stats as sp

from soloops.analytics.stats import mean_t, median_order_statistic, total_next_days, wilson


def test_wilson_matches_the_textbook_values_and_the_edges():
    # 0 of 10 and 10 of 10: the interval still has width (a normal interval would be [0, 0])
    none = wilson(0, 10)
    assert none.value == 0 and none.low == 0
    assert none.high == pytest.approx(0.2775, abs=1e-4)
    every = wilson(10, 10)
    assert every.high == 1 and every.low == pytest.approx(0.7225, abs=1e-4)
    # 94 of 100 (Wilson 1927 / Newcombe 1998 method 3): 0.8752 to 0.9722
    mid = wilson(94, 100)
    assert (mid.low, mid.high) == (pytest.approx(0.8752, abs=1e-4), pytest.approx(0.9722, abs=1e-4))
    # no decided orders: no figure at all
    assert wilson(0, 0).value is None


def test_the_mean_interval_is_scipys_t_interval():
    values = [2.0, 5.5, 3.25, 9.0, 4.0, 6.5, 1.0, 12.0]
    mean = sum(values) / len(values)
    expected = sp.t.interval(0.95, len(values) - 1, loc=mean, scale=sp.sem(values))

    estimate = mean_t(values)

    assert estimate.value == pytest.approx(mean)
    assert (estimate.low, estimate.high) == pytest.approx(expected)
    assert mean_t([3.0]).low is None  # one value: a mean, no interval


def test_the_median_interval_uses_order_statistics_with_at_least_95_percent_coverage():
    values = [float(v) for v in range(1, 101)]  # 1..100

    estimate = median_order_statistic(values)

    # binomial(100, ½): x(40) and x(61) bound it (coverage 96.5 %)
    assert estimate.value == 50.5
    assert (estimate.low, estimate.high) == (40.0, 61.0)
    coverage = sp.binom.cdf(60, 100, 0.5) - sp.binom.cdf(39, 100, 0.5)
    assert coverage >= 0.95
    # five values cannot give a 95 % interval of this kind: none is invented
    assert median_order_statistic([1.0, 2, 3, 4, 5]).low is None


def test_a_skewed_sample_keeps_its_median_interval_off_the_outliers():
    values = [10.0] * 20 + [12.0] * 20 + [500.0, 900.0]
    median = median_order_statistic(values)
    mean = mean_t(values)
    assert median.high == 12.0
    assert mean.high > 50  # the mean's interval is dragged by two outliers


def test_next_week_total_is_the_t_prediction_interval_of_a_seven_day_sum():
    daily = [3.0, 5.0, 4.0, 6.0, 2.0, 4.0, 4.0, 5.0, 3.0, 4.0]
    n, mean = len(daily), sum(daily) / len(daily)
    sd = math.sqrt(sum((v - mean) ** 2 for v in daily) / (n - 1))
    half = sp.t.ppf(0.975, n - 1) * sd * math.sqrt(7 + 49 / n)

    estimate = total_next_days(daily, 7)

    assert estimate.value == pytest.approx(7 * mean)
    assert (estimate.low, estimate.high) == pytest.approx((7 * mean - half, 7 * mean + half))


def test_overlap_decides_whether_a_change_is_real():
    assert not wilson(94, 100).overlaps(wilson(60, 100))
    assert wilson(94, 100).overlaps(wilson(89, 100))


def test_a_duration_interval_does_not_run_below_zero():
    estimate = mean_t([1.0, 2.0, 90.0], floor=0.0)
    assert estimate.low == 0.0
    assert mean_t([1.0, 2.0, 90.0]).low < 0


def test_the_median_interval_picks_the_same_order_statistics_as_a_full_sort():
    # given: samples of every small size, odd and even, with ties and in random order
    rng = random.Random(7)
    for n in range(1, 400, 7):
        values = [rng.choice([rng.uniform(0, 100), float(rng.randint(0, 3))]) for _ in range(n)]
        ordered = sorted(values)
        middle = n // 2
        median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        j = int(sp.binom.ppf(0.025, n, 0.5))

        # when
        estimate = median_order_statistic(values)

        # then: the very values a sort gives (the partial sort only saves time)
        assert estimate.value == median and estimate.n == n
        if estimate.low is not None:
            assert (estimate.low, estimate.high) == (ordered[j - 1], ordered[n - j])


def test_packed_timings_give_back_each_days_times_in_order_id_order_without_the_unreached():
    from datetime import date

    from soloops.analytics.rollups import Timing, hours_unpacked, timings_packed

    # given three orders of two days, one not shipped yet, given out of order
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    packed = timings_packed(
        [
            Timing(order_id=9, day=monday, ship_hours=5.5, deliver_hours=None),
            Timing(order_id=3, day=monday, ship_hours=None, deliver_hours=None),
            Timing(order_id=4, day=tuesday, ship_hours=1.25, deliver_hours=30.0),
            Timing(order_id=2, day=monday, ship_hours=2.0, deliver_hours=48.0),
        ]
    )

    # when the KPIs read the two days
    ship = hours_unpacked([packed[monday][1], packed[tuesday][1]])
    deliver = hours_unpacked([packed[monday][2], packed[tuesday][2]])

    # then: by day, then by order id, the unreached left out
    assert ship == [2.0, 5.5, 1.25]
    assert deliver == [48.0, 30.0]
    assert hours_unpacked([]) == []
