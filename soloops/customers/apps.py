from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "soloops.customers"
    verbose_name = "Customers"
