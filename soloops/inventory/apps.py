from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "soloops.inventory"
    verbose_name = "Inventory"
