from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "soloops.integrations"
    verbose_name = "Integrations"
