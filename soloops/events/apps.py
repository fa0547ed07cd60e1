from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The event log as a Django app: it owns the ``Event`` and ``Delivery`` models."""

    name = "soloops.events"
    label = "events"
    verbose_name = "Events"
