"""Storefront: the shop's public pages (products, a product, the cart, checkout, confirmation).

It owns no models and emits no events of its own: the cart lives in the visitor's session;
orders go in through ``orders.services.order_place`` with the channel ``storefront``, which
records ``order.placed``; payments start through ``payments.services.payment_start``. Placing
orders and paying are rate limited per client IP through the cache.
"""
