"""The flow engine's table of actions: every installed app's ``actions.ACTIONS``, by name.

The interface the apps implement (``Action``, ``ActionCall``) is ``soloops.actions``.
"""

import importlib
import importlib.util

from django.apps import apps

from soloops.actions import Action, ActionCall

__all__ = ["Action", "ActionCall", "available"]

_registry: dict[str, Action] | None = None


def available() -> dict[str, Action]:
    """Every action of every installed app, by name."""
    global _registry
    if _registry is None:
        table: dict[str, Action] = {}
        for config in apps.get_app_configs():
            module_name = f"{config.name}.actions"
            if importlib.util.find_spec(module_name) is None:
                continue
            for action in getattr(importlib.import_module(module_name), "ACTIONS", []):
                table[action.name] = action
        _registry = table
    return _registry
