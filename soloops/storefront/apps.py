from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "soloops.storefront"
    verbose_name = "Storefront"
