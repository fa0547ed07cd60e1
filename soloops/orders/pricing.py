"""Order totals, computed by the server from its own prices and rate tables.

Shipping is the chosen delivery method's flat rate for the destination (or that method's "*"
rate), free when the subtotal reaches its ``free_over``; nothing ships for digital-only orders.
Each method ("Standard 3-5 days", "Express 1-2 days") is offered where it has a rate for the
country or a "*" rate; with no method chosen (API clients of before methods) the cheapest one
offered is used. Tax is the destination's rate (or "*") on
the subtotal plus shipping. Whether prices (and shipping rates) include that tax is the shop's
setting: excluded, the tax is added on top; included, the total is what was shown and the tax
is the part of it that is tax (gross * rate / (1 + rate)). Everything rounds half-up to cents.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from soloops.orders.models import ShippingRate, TaxRate

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ShippingOption:
    """One way to deliver to a country: the method's name, its days and its price now."""

    method: str
    days_min: int | None
    days_max: int | None
    price: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    shipping_method: str = ""  # "" when nothing ships or no method is offered there
    days_min: int | None = None
    days_max: int | None = None


def _rate_for(rates: dict[str, object], country: str):
    return rates.get(country.upper()) or rates.get("*")


def rate_tables() -> tuple[list[ShippingRate], dict[str, TaxRate]]:
    return (
        list(ShippingRate.objects.all()),
        {r.country: r for r in TaxRate.objects.all()},
    )


def shipping_options(shipping_rates, *, country: str, subtotal: Decimal) -> list[ShippingOption]:
    """The delivery methods offered to ``country``, cheapest first (then by name).

    ``shipping_rates`` is a list of rows, or a dict of them (one per country, as older callers
    and the demo build it)."""
    rows = shipping_rates.values() if isinstance(shipping_rates, dict) else shipping_rates
    by_method: dict[str, dict[str, ShippingRate]] = {}
    for row in rows:
        by_method.setdefault(row.method, {})[row.country] = row
    options = []
    for method, rates in by_method.items():
        rate = _rate_for(rates, country)
        if rate is None:
            continue
        free = rate.free_over is not None and subtotal >= rate.free_over
        price = Decimal("0.00") if free else rate.amount
        options.append(ShippingOption(method, rate.days_min, rate.days_max, price))
    return sorted(options, key=lambda o: (o.price, o.days_max or 0, o.method))


def compute_totals(
    *,
    line_totals: list[Decimal],
    ships: bool,
    country: str,
    tables=None,
    prices_include_tax: bool = False,
    method: str | None = None,
) -> Totals:
    """Totals for ``method`` (None: the cheapest offered). Precondition: a named method is
    offered to ``country`` (``shipping_options``); one that is not ships at no charge."""
    shipping_rates, tax_rates = tables or rate_tables()
    subtotal = sum(line_totals, Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    option = None
    if ships:
        options = shipping_options(shipping_rates, country=country, subtotal=subtotal)
        if method is None:
            option = options[0] if options else None
        else:
            option = next((o for o in options if o.method == method), None)
    shipping = option.price if option else Decimal("0.00")
    tax_rate = _rate_for(tax_rates, country)
    gross = subtotal + shipping
    if tax_rate is None:
        tax = Decimal("0.00")
    elif prices_include_tax:
        tax = (gross * tax_rate.rate / (1 + tax_rate.rate)).quantize(CENT, ROUND_HALF_UP)
    else:
        tax = (gross * tax_rate.rate).quantize(CENT, ROUND_HALF_UP)
    return Totals(
        subtotal,
        shipping,
        tax,
        gross if prices_include_tax else gross + tax,
        shipping_method=option.method if option else "",
        days_min=option.days_min if option else None,
        days_max=option.days_max if option else None,
    )
