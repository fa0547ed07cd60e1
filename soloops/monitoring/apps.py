from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "soloops.monitoring"
    verbose_name = "Monitoring"
