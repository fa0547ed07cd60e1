from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "soloops.marketing"
    verbose_name = "Marketing"
