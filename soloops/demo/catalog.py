"""What the demo shop sells: a small coffee, tea and home-goods shop and its three suppliers.

Every email domain ends in ``.example`` (reserved by RFC 2606), so nothing sent to a demo
supplier can ever be delivered.
"""

from dataclasses import dataclass
from decimal import Decimal

from soloops.orders.models import ShippingRate, TaxRate


@dataclass(frozen=True)
class SupplierSpec:
    key: str
    name: str
    email: str
    lead_time_days: int
    min_order_quantity: int
    sku_prefix: str
    cost_ratio: str  # our unit cost as a share of the retail price


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    name: str
    price: str
    weight_grams: int
    popularity: float  # relative share of order lines
    max_quantity: int = 1  # most lines are 1; consumables go up to this


@dataclass(frozen=True)
class ProductSpec:
    name: str
    description: str
    supplier: str
    variants: tuple[VariantSpec, ...]
    second_supplier: str = ""


SUPPLIERS = (
    SupplierSpec(
        "ceramics",
        "Nordlys Keramik ApS",
        "orders@nordlys-keramik.example",
        lead_time_days=14,
        min_order_quantity=24,
        sku_prefix="NK",
        cost_ratio="0.42",
    ),
    SupplierSpec(
        "coffee",
        "Hanseatic Coffee Roasters GmbH",
        "einkauf@hanseatic-roasters.example",
        lead_time_days=4,
        min_order_quantity=10,
        sku_prefix="HCR",
        cost_ratio="0.48",
    ),
    SupplierSpec(
        "textiles",
        "Linen & Loom Ltd.",
        "trade@linen-and-loom.example",
        lead_time_days=10,
        min_order_quantity=20,
        sku_prefix="LL",
        cost_ratio="0.38",
    ),
)


def _v(sku, name, price, grams, popularity, max_quantity=1):
    return VariantSpec(sku, name, price, grams, popularity, max_quantity)


PRODUCTS = (
    ProductSpec(
        "Stoneware Mug 350 ml",
        "Hand-glazed stoneware, dishwasher safe. Every glaze runs a little differently.",
        "ceramics",
        (
            _v("MUG-350-SAND", "Sand", "18.00", 420, 9, 4),
            _v("MUG-350-SLATE", "Slate", "18.00", 420, 8, 4),
            _v("MUG-350-MOSS", "Moss", "18.00", 420, 6, 4),
            _v("MUG-350-CLAY", "Clay", "18.00", 420, 4, 4),
        ),
    ),
    ProductSpec(
        "Espresso Cup & Saucer",
        "A thick-walled 80 ml cup that keeps the crema warm.",
        "ceramics",
        (
            _v("ESP-CUP-WHITE", "White", "14.50", 210, 4, 4),
            _v("ESP-CUP-CHAR", "Charcoal", "14.50", 210, 3, 4),
        ),
    ),
    ProductSpec(
        "Ceramic Pour-Over Dripper",
        "Size 02 cone with spiral ribs for an even extraction.",
        "ceramics",
        (
            _v("DRIP-02-WHITE", "White", "29.00", 380, 5),
            _v("DRIP-02-CHAR", "Charcoal", "29.00", 380, 3),
            _v("DRIP-02-SAGE", "Sage", "29.00", 380, 2),
        ),
    ),
    ProductSpec(
        "Serving Bowl 22 cm",
        "A wide, shallow bowl for salads and pasta.",
        "ceramics",
        (
            _v("BOWL-22-SAND", "Sand", "42.00", 950, 2),
            _v("BOWL-22-SLATE", "Slate", "42.00", 950, 1.5),
        ),
    ),
    ProductSpec(
        "Dinner Plate Set of 4",
        "Four 27 cm plates in a reactive glaze.",
        "ceramics",
        (
            _v("PLATE-4-SAND", "Sand", "68.00", 2600, 1.2),
            _v("PLATE-4-SLATE", "Slate", "68.00", 2600, 1),
        ),
    ),
    ProductSpec(
        "Matcha Bowl",
        "A hand-thrown chawan, wide enough to whisk in.",
        "ceramics",
        (
            _v("CHAWAN-MOSS", "Moss", "36.00", 450, 1.5),
            _v("CHAWAN-ASH", "Ash", "36.00", 450, 1),
        ),
    ),
    ProductSpec(
        "Tall Ceramic Vase",
        "30 cm, matte white outside, glazed inside so it holds water.",
        "ceramics",
        (_v("VASE-30-WHITE", "", "54.00", 1200, 1),),
    ),
    ProductSpec(
        "Ethiopia Yirgacheffe",
        "Washed heirloom beans; jasmine, bergamot and lemon. Light roast.",
        "coffee",
        (
            _v("BEAN-ETH-250", "250 g", "14.90", 270, 10, 3),
            _v("BEAN-ETH-1000", "1 kg", "49.00", 1050, 3, 2),
        ),
    ),
    ProductSpec(
        "Colombia Huila",
        "Caramel, red apple and cocoa. Medium roast.",
        "coffee",
        (
            _v("BEAN-COL-250", "250 g", "12.90", 270, 9, 3),
            _v("BEAN-COL-1000", "1 kg", "42.00", 1050, 3, 2),
        ),
    ),
    ProductSpec(
        "Sumatra Mandheling",
        "Earthy and full-bodied with dark chocolate. Medium-dark roast.",
        "coffee",
        (
            _v("BEAN-SUM-250", "250 g", "13.50", 270, 5, 3),
            _v("BEAN-SUM-1000", "1 kg", "44.00", 1050, 1.5, 2),
        ),
    ),
    ProductSpec(
        "House Espresso Blend",
        "Brazil and India for a sweet, heavy shot. Dark roast.",
        "coffee",
        (
            _v("BEAN-ESP-250", "250 g", "11.90", 270, 11, 4),
            _v("BEAN-ESP-1000", "1 kg", "39.00", 1050, 5, 2),
        ),
    ),
    ProductSpec(
        "Swiss Water Decaf",
        "Decaffeinated without solvents; milk chocolate and hazelnut.",
        "coffee",
        (_v("BEAN-DECAF-250", "250 g", "13.90", 270, 3, 3),),
    ),
    ProductSpec(
        "Paper Filters No. 2",
        "Oxygen-bleached, 100 per pack.",
        "coffee",
        (_v("FILTER-02-100", "100 pcs", "5.90", 120, 8, 5),),
        second_supplier="textiles",
    ),
    ProductSpec(
        "Hand Coffee Grinder",
        "Conical steel burrs, 40 clicks from espresso to French press.",
        "coffee",
        (
            _v("GRIND-HAND-STEEL", "Steel", "89.00", 690, 2),
            _v("GRIND-HAND-WALNUT", "Walnut", "99.00", 720, 1.2),
        ),
    ),
    ProductSpec(
        "Burr Grinder Pro",
        "64 mm flat burrs, single-dose hopper, stepless adjustment.",
        "coffee",
        (_v("GRIND-PRO-64", "", "389.00", 4200, 0.5),),
    ),
    ProductSpec(
        "Dual-Boiler Espresso Machine",
        "PID-controlled brew and steam boilers, rotary pump, E61 group.",
        "coffee",
        (_v("ESPRESSO-DB-E61", "", "1290.00", 19500, 0.15),),
    ),
    ProductSpec(
        "Glass Carafe 600 ml",
        "Borosilicate glass with a cork collar.",
        "coffee",
        (_v("CARAFE-600", "", "32.00", 520, 2.5),),
    ),
    ProductSpec(
        "Gooseneck Kettle",
        "1 litre, with a thermometer in the lid.",
        "coffee",
        (
            _v("KETTLE-GN-BLACK", "Matte Black", "89.00", 900, 1.5),
            _v("KETTLE-GN-STEEL", "Brushed Steel", "89.00", 900, 1.2),
            _v("KETTLE-GN-ELEC", "Electric, temperature control", "129.00", 1300, 1),
        ),
    ),
    ProductSpec(
        "Cast-Iron Teapot 0.8 l",
        "Enamelled inside, with a stainless steel infuser.",
        "ceramics",
        (
            _v("TEAPOT-CI-BLACK", "Black", "79.00", 1800, 1),
            _v("TEAPOT-CI-JADE", "Jade", "79.00", 1800, 0.8),
        ),
    ),
    ProductSpec(
        "Loose-Leaf Tea",
        "Whole leaves in a resealable tin.",
        "coffee",
        (
            _v("TEA-SENCHA-100", "Sencha 100 g", "12.50", 160, 4, 3),
            _v("TEA-EARLGREY-100", "Earl Grey 100 g", "9.90", 160, 5, 3),
            _v("TEA-JASMINE-50", "Jasmine Pearls 50 g", "16.00", 110, 3, 2),
            _v("TEA-ROOIBOS-100", "Rooibos 100 g", "8.90", 160, 2.5, 3),
        ),
    ),
    ProductSpec(
        "Ceremonial Matcha 30 g",
        "Shade-grown, stone-ground in Uji.",
        "coffee",
        (_v("MATCHA-30", "", "24.00", 80, 3, 3),),
    ),
    ProductSpec(
        "Bamboo Matcha Whisk",
        "100 prongs, hand-split from one piece of bamboo.",
        "ceramics",
        (_v("WHISK-100", "", "14.00", 40, 1.8, 2),),
    ),
    ProductSpec(
        "Linen Tea Towel",
        "Stonewashed European flax, 50 x 70 cm.",
        "textiles",
        (
            _v("TOWEL-NATURAL", "Natural", "16.00", 90, 4, 4),
            _v("TOWEL-INDIGO", "Indigo", "16.00", 90, 3, 4),
            _v("TOWEL-RUST", "Rust", "16.00", 90, 2, 4),
        ),
    ),
    ProductSpec(
        "Linen Apron",
        "Cross-back straps and a deep front pocket.",
        "textiles",
        (
            _v("APRON-NATURAL", "Natural", "39.00", 300, 1.5),
            _v("APRON-CHARCOAL", "Charcoal", "39.00", 300, 1.2),
        ),
    ),
    ProductSpec(
        "Wool Throw",
        "Lambswool, 130 x 180 cm, woven in Wales.",
        "textiles",
        (
            _v("THROW-OAT", "Oat", "119.00", 1300, 0.8),
            _v("THROW-FOREST", "Forest", "119.00", 1300, 0.6),
        ),
    ),
    ProductSpec(
        "Soy Candle 200 g",
        "Cotton wick, about 40 hours.",
        "textiles",
        (
            _v("CANDLE-FIG", "Fig & Cedar", "24.00", 380, 3, 3),
            _v("CANDLE-SEASALT", "Sea Salt", "24.00", 380, 2.5, 3),
            _v("CANDLE-VANILLA", "Smoked Vanilla", "24.00", 380, 2, 3),
        ),
    ),
    ProductSpec(
        "Beeswax Taper Candles",
        "A pair of 25 cm tapers, dripless.",
        "textiles",
        (_v("TAPER-PAIR", "Pair", "12.00", 160, 2, 4),),
    ),
    ProductSpec(
        "Linen Table Runner",
        "40 x 200 cm with mitred corners.",
        "textiles",
        (_v("RUNNER-200", "", "34.00", 350, 1),),
    ),
    ProductSpec(
        "Cotton Napkins, Set of 4",
        "Organic cotton, 45 x 45 cm.",
        "textiles",
        (
            _v("NAPKIN-4-NATURAL", "Natural", "28.00", 220, 1.5, 2),
            _v("NAPKIN-4-SAGE", "Sage", "28.00", 220, 1.2, 2),
        ),
    ),
    ProductSpec(
        "Coffee Lover's Gift Box",
        "Two 250 g coffees, a mug and a pack of filters in a kraft box.",
        "coffee",
        (_v("GIFT-COFFEE", "", "59.00", 1100, 2),),
    ),
)

# The dearest items: first orders with these go over the review's first-order limit.
EXPENSIVE_SKUS = ("ESPRESSO-DB-E61", "GRIND-PRO-64")

# --- shipping and tax (prices exclude tax) --------------------------------------------------

EU = ("AT", "BE", "FR", "NL", "IT", "ES", "SE")
SHIPPING_RATES = {  # country: (flat amount, free over)
    "DE": ("4.90", "49.00"),
    **dict.fromkeys(EU, ("9.90", "99.00")),
    "GB": ("14.90", "150.00"),
    "CH": ("14.90", "150.00"),
    "*": ("24.90", "250.00"),
}
EXPRESS_RATES = {"DE": "9.90", **dict.fromkeys(EU, "19.90")}
TAX_RATES = {  # destinations outside these are exports without sales tax
    "DE": "0.19",
    "AT": "0.20",
    "BE": "0.21",
    "FR": "0.20",
    "NL": "0.21",
    "IT": "0.22",
    "ES": "0.21",
    "SE": "0.25",
}


@dataclass(slots=True, eq=False)
class VariantPlan:
    index: int
    spec: VariantSpec
    product: ProductSpec
    supplier: SupplierSpec
    price: Decimal
    title: str
    threshold: int = 5
    lot: int = 10
    demand: int = 0  # units ordered over the year


def variant_plans() -> list[VariantPlan]:
    suppliers = {s.key: s for s in SUPPLIERS}
    plans = []
    for product in PRODUCTS:
        for spec in product.variants:
            plans.append(
                VariantPlan(
                    index=len(plans),
                    spec=spec,
                    product=product,
                    supplier=suppliers[product.supplier],
                    price=Decimal(spec.price),
                    title=f"{product.name} — {spec.name}" if spec.name else product.name,
                )
            )
    return plans


def rate_tables() -> tuple[list[ShippingRate], dict[str, TaxRate]]:
    """Standard delivery everywhere (3-5 days), and Express (1-2 days, never free) in Germany
    and the EU: the demo's orders all chose Standard, the cheapest."""
    shipping = [
        ShippingRate(
            country=country,
            method="Standard",
            days_min=3,
            days_max=5,
            amount=Decimal(amount),
            free_over=Decimal(free),
        )
        for country, (amount, free) in SHIPPING_RATES.items()
    ] + [
        ShippingRate(country=c, method="Express", days_min=1, days_max=2, amount=Decimal(a))
        for c, a in EXPRESS_RATES.items()
    ]
    tax = {country: TaxRate(country=country, rate=Decimal(r)) for country, r in TAX_RATES.items()}
    return shipping, tax
