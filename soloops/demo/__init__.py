"""The demo shop: two years of believable history for trying SoloOps, benchmarks and tests.

``demo_load`` plans a small coffee, tea and home-goods shop (suppliers, a few dozen products
with variants, customers in Europe, the US and China, two years of orders in every status with
seasonality) from a seed, replays its stock ledger, and bulk-writes it with every order's
events marked as already dispatched: history, never work, so a demo sends no email, calls no
webhook and moves no money. It writes nothing when the catalog has products already.
"""

from soloops.demo.load import DemoResult, demo_load, shop_exists

__all__ = ["DemoResult", "demo_load", "shop_exists"]
