"""Builders for test data, going through the services like any caller would."""

from decimal import Decimal

from soloops.accounts.actors import Actor
from soloops.catalog.services import product_create, variant_create
from soloops.inventory.models import MovementKind
from soloops.inventory.services import stock_change
from soloops.orders.services import LineDraft, OrderDraft

SYSTEM = Actor.system("test")

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Analytical St",
    "city": "London",
    "postal_code": "N1 1AA",
    "country": "GB",
}


def make_variant(sku: str = "MUG-1", *, price: str = "12.50", stock: int = 10, **fields):
    product = product_create(name=f"Product {sku}", slug=sku.lower(), actor=SYSTEM)
    variant = variant_create(product=product, sku=sku, price=Decimal(price), actor=SYSTEM, **fields)
    if stock:
        stock_change(variant=variant, quantity=stock, kind=MovementKind.RECEIPT, actor=SYSTEM)
    return variant


def draft(*lines: tuple[str, int], email: str = "ada@example.com", **fields) -> OrderDraft:
    return OrderDraft(
        email=email,
        lines=[LineDraft(sku=sku, quantity=qty) for sku, qty in lines],
        name="Ada",
        shipping_address=fields.pop("shipping_address", ADDRESS),
        **fields,
    )
