from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "soloops.dashboard"
    verbose_name = "Dashboard"
