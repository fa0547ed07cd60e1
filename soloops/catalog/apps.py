from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "soloops.catalog"
    verbose_name = "Catalog"
