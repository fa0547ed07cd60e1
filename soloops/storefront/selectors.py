"""What the storefront shows for sale: active products, their active variants, stock."""

from dataclasses import dataclass
from decimal import Decimal

from soloops.catalog.selectors import products_list
from soloops.inventory.selectors import stock_for_skus
from soloops.shop.selectors import shop_currency


@dataclass(frozen=True)
class Offer:
    """One variant a customer can order, with the stock available at the default location.
    ``available`` is for checks only: the pages say "in stock", never how many."""

    variant_id: int
    sku: str
    title: str  # the product's name, with the variant's when it has one: never the SKU
    name: str  # the variant's own name, or the product's when it has none
    price: Decimal
    currency: str
    available: int
    requires_shipping: bool

    @property
    def in_stock(self) -> bool:
        return self.available > 0


@dataclass(frozen=True)
class ProductOffers:
    slug: str
    name: str
    description: str
    offers: list[Offer]

    @property
    def lowest_price(self) -> Decimal:
        return min(offer.price for offer in self.offers)

    @property
    def in_stock(self) -> bool:
        return any(offer.in_stock for offer in self.offers)


def storefront_catalog(*, slug: str | None = None) -> list[ProductOffers]:
    """Active products (or the one with ``slug``) with their active variants priced in the
    shop's currency (the only ones intake accepts), by product name. Three queries whatever
    the size of the catalogue."""
    products = products_list(active=True)
    if slug is not None:
        products = products.filter(slug=slug)
    products = list(products)
    currency = shop_currency()
    wanted = [
        (product, variant)
        for product in products
        for variant in product.variants.all()
        if variant.active and variant.currency == currency
    ]
    stock = stock_for_skus([variant.sku for _, variant in wanted])
    offers: dict[int, list[Offer]] = {}
    for product, variant in wanted:
        row = stock.get(variant.sku)
        offers.setdefault(product.pk, []).append(
            Offer(
                variant_id=variant.pk,
                sku=variant.sku,
                title=variant.title,
                name=variant.name or product.name,
                price=variant.price,
                currency=variant.currency,
                available=max(row.on_hand - row.reserved, 0) if row else 0,
                requires_shipping=variant.requires_shipping,
            )
        )
    return [
        ProductOffers(slug=p.slug, name=p.name, description=p.description, offers=offers[p.pk])
        for p in products
        if p.pk in offers
    ]


def storefront_product(*, slug: str) -> ProductOffers | None:
    """One product for sale by its slug, or None when it is not (or no longer) for sale."""
    found = storefront_catalog(slug=slug)
    return found[0] if found else None


def storefront_offers() -> dict[int, Offer]:
    """Every variant for sale, by variant id."""
    return {o.variant_id: o for product in storefront_catalog() for o in product.offers}
