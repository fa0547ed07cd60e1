"""Catalog: products, their variants (one SKU each, with price and stock threshold), suppliers
and what each supplier sells us (their SKU, unit cost, minimum order).

Emits: ``product.created``, ``product.updated``, ``variant.created``, ``variant.updated``,
``supplier.created``, ``supplier.updated``.
"""
