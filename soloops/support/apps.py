from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "soloops.support"
    verbose_name = "Support"
