"""What the storefront shows for sale: active products, their active variants, stock."""

from dataclasses import dataclass
from decimal import Decimal

from soloops.catalog.selectors import products_list
from soloops.inventory.selectors import stock_for_skus
from soloops.shop.selectors import shop_currency


@dataclass(frozen=True)
class Offer:
    """One variant a customer can order, with the stock available at the default location."""

    variant_id: int
    sku: str
    title: str
    name: str
    price: Decimal
    currency: str
    available: int
    requires_shipping: bool

    @property
    def in_stock(self) -> bool:
        return self.available > 0


@dataclass(frozen=True)
class ProductOffers:
    name: str
    description: str
    offers: list[Offer]


def storefront_catalog() -> list[ProductOffers]:
    """Active products with their active variants priced in the shop's currency (the only ones
    intake accepts), by product name. Three queries whatever the size of the catalogue."""
    products = list(products_list(active=True))
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
                title=f"{product.name} — {variant.name}" if variant.name else product.name,
                name=variant.name,
                price=variant.price,
                currency=variant.currency,
                available=max(row.on_hand - row.reserved, 0) if row else 0,
                requires_shipping=variant.requires_shipping,
            )
        )
    return [
        ProductOffers(name=p.name, description=p.description, offers=offers[p.pk])
        for p in products
        if p.pk in offers
    ]
