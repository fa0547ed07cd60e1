"""Totals with prices that exclude tax (added on top) and that include it (the part of the
price that is tax), as the shop's setting says."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from soloops.orders.models import ShippingRate, TaxRate
from soloops.orders.pricing import compute_totals

D = Decimal
TABLES = (
    {"DE": ShippingRate(country="DE", amount=D("4.90"), free_over=D("100.00"))},
    {"DE": TaxRate(country="DE", rate=D("0.19"))},
)


def test_tax_is_added_on_top_when_prices_exclude_it():
    # when
    totals = compute_totals(line_totals=[D("40.00")], ships=True, country="DE", tables=TABLES)

    # then 19 % of 44.90
    assert (totals.subtotal, totals.shipping, totals.tax, totals.total) == (
        D("40.00"),
        D("4.90"),
        D("8.53"),
        D("53.43"),
    )


def test_the_total_is_the_price_shown_when_prices_include_tax():
    # when
    totals = compute_totals(
        line_totals=[D("40.00")],
        ships=True,
        country="DE",
        tables=TABLES,
        prices_include_tax=True,
    )

    # then 44.90 in all, of which 44.90 * 0.19 / 1.19 = 7.17 is tax
    assert (totals.subtotal, totals.shipping, totals.tax, totals.total) == (
        D("40.00"),
        D("4.90"),
        D("7.17"),
        D("44.90"),
    )


def test_a_country_without_a_rate_pays_no_tax_either_way():
    for included in (False, True):
        totals = compute_totals(
            line_totals=[D("10.00")],
            ships=False,
            country="US",
            tables=TABLES,
            prices_include_tax=included,
        )
        assert (totals.tax, totals.total) == (D("0.00"), D("10.00"))


@given(
    lines=st.lists(
        st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False), max_size=5
    ),
    rate=st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
)
def test_included_tax_is_part_of_the_total_and_never_more(lines, rate):
    # given
    tables = (TABLES[0], {"DE": TaxRate(country="DE", rate=rate)})

    # when
    included = compute_totals(
        line_totals=lines, ships=True, country="DE", tables=tables, prices_include_tax=True
    )
    excluded = compute_totals(line_totals=lines, ships=True, country="DE", tables=tables)

    # then the customer pays what was shown, and the same net amount carries no more tax
    assert included.total == included.subtotal + included.shipping
    assert D(0) <= included.tax <= included.total
    assert included.tax <= excluded.tax
