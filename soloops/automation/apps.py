from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "soloops.automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from soloops.automation.services import runs_advanced_here
        from soloops.events import registry

        # The runs an event starts are advanced by the task that dispatched it.
        registry.dispatch_scope_add(runs_advanced_here)
