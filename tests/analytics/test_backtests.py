"""``backtest_run`` and ``soloops analytics backtest``: the figures, the CSV, and bad input
named by its argument."""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone

from soloops.analytics.backtests import backtest_run
from soloops.analytics.models import DailyFact
from soloops.analytics.synthetic import regular_series
from soloops.errors import InvalidInput
from tests.analytics.test_cli import soloops

DAYS = 200


@pytest.fixture
def units(db):
    last = timezone.now().date() - timedelta(days=1)
    first = last - timedelta(days=DAYS - 1)
    y = regular_series(DAYS, level=30, seed=11)
    DailyFact.objects.bulk_create(
        DailyFact(day=first + timedelta(days=i), units=int(y[i])) for i in range(DAYS)
    )
    return first, last


def test_backtest_reports_mase_of_the_chosen_model_and_both_baselines(units):
    _first, last = units

    result = backtest_run(series="shop.units", horizon=28)

    assert result.until == last - timedelta(days=28)
    assert set(result.mase) == {"chosen", "seasonal_naive", "naive"}
    assert all(v > 0 for v in result.mase.values())
    assert [row[0] for row in result.rows] == [
        result.until + timedelta(days=i + 1) for i in range(28)
    ]
    assert all(lo <= mean <= hi for _d, _a, mean, lo, hi in result.rows)


def test_backtest_scores_whole_days_only_not_today_so_far(units):
    # given today's facts so far: a partial day (a few orders by the morning)
    _first, last = units
    DailyFact.objects.create(day=last + timedelta(days=1), units=2)

    # when
    result = backtest_run(series="shop.units", horizon=28)

    # then the window ends yesterday, as the nightly forecast's history does: the hours still
    # to come today are no forecast error
    assert result.until == last - timedelta(days=28)
    assert result.rows[-1][0] == last
    with pytest.raises(InvalidInput) as refused:
        backtest_run(series="shop.units", horizon=28, until=last - timedelta(days=27))
    assert refused.value.field == "horizon"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"series": "shop.units", "horizon": DAYS}, "horizon"),
        ({"series": "shop.units", "horizon": 0}, "horizon"),
        ({"series": "orders", "horizon": 7}, "series"),
        ({"series": "sku:", "horizon": 7}, "series"),
    ],
)
def test_bad_input_is_refused_by_name(units, kwargs, field):
    with pytest.raises(InvalidInput) as refused:
        backtest_run(**kwargs)
    assert refused.value.field == field


@pytest.mark.processes
def test_the_command_prints_figures_and_writes_the_csv(units, process_env, tmp_path):
    out = tmp_path / "bt.csv"

    result = soloops(
        "analytics",
        "backtest",
        "--series",
        "shop.units",
        "--horizon",
        "14",
        "--csv",
        str(out),
        env=process_env,
    )
    too_long = soloops(
        "analytics", "backtest", "--series", "shop.units", "--horizon", "900", env=process_env
    )

    assert result.returncode == 0, result.stderr
    assert "MASE seasonal_naive" in result.stdout and "chosen model:" in result.stdout
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["date", "actual", "forecast", "lo95", "hi95"] and len(rows) == 15
    assert too_long.returncode == 1
    assert too_long.stderr.startswith("soloops: error: horizon: a horizon of 900 days")
