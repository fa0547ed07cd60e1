from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "soloops.orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Hand customers (a lower layer) what it needs to know about a customer's orders.
        from soloops.orders.customer_data import register

        register()
