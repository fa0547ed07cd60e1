"""Inventory: stock per SKU and location, the immutable stock ledger, and reservations.

``on_hand`` always equals the sum of the SKU's movements at that location; ``reserved`` equals
the sum of its active reservations; ``available = on_hand - reserved`` never goes below zero.

Emits: ``stock.adjusted``, ``stock.received``, ``stock.low`` (once per downward crossing of the
SKU's threshold), ``stock.out`` (when available reaches zero).
"""
