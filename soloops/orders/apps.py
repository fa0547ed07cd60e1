from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "soloops.orders"
    verbose_name = "Orders"
