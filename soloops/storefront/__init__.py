"""Storefront: the shop's own public order form (product list, order form, confirmation page).

It owns no models and emits no events of its own: orders go in through
``orders.services.order_place`` with the channel ``storefront``, which records ``order.placed``.
Order attempts are rate limited per client IP through the cache.
"""
