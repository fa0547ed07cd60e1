from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "soloops.automation"
    verbose_name = "Automation"
