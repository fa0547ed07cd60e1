from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "soloops.catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from soloops.catalog.selectors import prices_in_currency_exist
        from soloops.shop.services import currency_in_use_check_add

        # The shop's currency may not change under prices recorded in it.
        currency_in_use_check_add(prices_in_currency_exist)
