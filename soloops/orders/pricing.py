"""Order totals, computed by the server from its own prices and rate tables.

Shipping is the destination's flat rate (or the "*" rate), free when the subtotal reaches its
``free_over``; nothing ships for digital-only orders. Tax is the destination's rate (or "*") on
the subtotal plus shipping. Whether prices (and shipping rates) include that tax is the shop's
setting: excluded, the tax is added on top; included, the total is what was shown and the tax
is the part of it that is tax (gross * rate / (1 + rate)). Everything rounds half-up to cents.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from soloops.orders.models import ShippingRate, TaxRate

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


def _rate_for(rates: dict[str, object], country: str):
    return rates.get(country.upper()) or rates.get("*")


def rate_tables() -> tuple[dict[str, ShippingRate], dict[str, TaxRate]]:
    return (
        {r.country: r for r in ShippingRate.objects.all()},
        {r.country: r for r in TaxRate.objects.all()},
    )


def compute_totals(
    *,
    line_totals: list[Decimal],
    ships: bool,
    country: str,
    tables=None,
    prices_include_tax: bool = False,
) -> Totals:
    shipping_rates, tax_rates = tables or rate_tables()
    subtotal = sum(line_totals, Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    shipping = Decimal("0.00")
    rate = _rate_for(shipping_rates, country) if ships else None
    if rate is not None and not (rate.free_over is not None and subtotal >= rate.free_over):
        shipping = rate.amount
    tax_rate = _rate_for(tax_rates, country)
    gross = subtotal + shipping
    if tax_rate is None:
        tax = Decimal("0.00")
    elif prices_include_tax:
        tax = (gross * tax_rate.rate / (1 + tax_rate.rate)).quantize(CENT, ROUND_HALF_UP)
    else:
        tax = (gross * tax_rate.rate).quantize(CENT, ROUND_HALF_UP)
    return Totals(subtotal, shipping, tax, gross if prices_include_tax else gross + tax)
