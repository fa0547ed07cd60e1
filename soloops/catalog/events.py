"""Event types the catalog app emits (subject: the product, variant or supplier).

``*.updated`` payloads carry each changed field's new value (money as a string).
"""

from soloops.events.catalogue import EventType, Payload, declare


class ProductCreated(Payload):
    name: str
    slug: str


class VariantCreated(Payload):
    sku: str
    product_id: int
    price: str


class SupplierCreated(Payload):
    name: str
    email: str


class Changes(Payload):
    """The changed fields and their new values."""


EVENTS = declare(
    EventType("product.created", ProductCreated, "a product was added", "catalog.product"),
    EventType("product.updated", Changes, "a product's fields changed", "catalog.product"),
    EventType("variant.created", VariantCreated, "a SKU was added", "catalog.variant"),
    EventType("variant.updated", Changes, "a SKU's fields changed", "catalog.variant"),
    EventType("supplier.created", SupplierCreated, "a supplier was added", "catalog.supplier"),
    EventType(
        "supplier.updated",
        Changes,
        "a supplier's fields or one of its items "
        "(`item`: sku, supplier_sku, unit_cost, pack_size) changed",
        "catalog.supplier",
    ),
)
