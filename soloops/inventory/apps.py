from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "soloops.inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from soloops.catalog.services import variant_created_hook_add
        from soloops.inventory.services import stocks_track

        # Stock is kept per variant: each new variant gets its (zero) stock row in the
        # transaction that creates it, as before the catalog stopped importing inventory.
        variant_created_hook_add(stocks_track)
