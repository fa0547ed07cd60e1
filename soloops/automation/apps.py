from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "soloops.automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from soloops.automation.engine import trigger_index
        from soloops.automation.services import runs_advanced_here
        from soloops.events import registry

        # A dispatch task reads which flows its events start once, not once per event: the
        # runs it advances afterwards (inside this scope) emit with that reading too.
        registry.dispatch_scope_add(trigger_index.pinned)
        # The runs an event starts are advanced by the task that dispatched it.
        registry.dispatch_scope_add(runs_advanced_here)
