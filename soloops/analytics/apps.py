from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "soloops.analytics"
    verbose_name = "Analytics"
