from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "soloops.orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from soloops.orders.selectors import orders_in_currency_exist
        from soloops.shop.services import currency_in_use_check_add

        # The shop's currency may not change under orders recorded in it.
        currency_in_use_check_add(orders_in_currency_exist)
        # Hand customers (a lower layer) what it needs to know about a customer's orders.
        from soloops.orders.customer_data import register

        register()
