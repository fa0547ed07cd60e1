"""The event log's tables: every business fact (``Event``) and each handler's processing of
one (``Delivery``). The bottom layer: nothing here knows an app above.

Their tables keep the names they had as the automation app's models (``automation_event``,
``automation_delivery``); migration events 0001 took them over without touching them.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """An immutable business fact; also the audit trail and every object's timeline."""

    type = models.CharField(_("type"), max_length=64)
    # The object the event is about, e.g. ("orders.order", "42").
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    actor_kind = models.CharField(_("actor kind"), max_length=16)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True, default="")
    actor_label = models.CharField(_("actor"), max_length=150, blank=True, default="")
    correlation_id = models.UUIDField(_("correlation id"), default=uuid.uuid4)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Dispatch bookkeeping (the only fields that ever change).
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatch_attempts = models.PositiveIntegerField(default=0)
    # When the relay may hand the event out again if it is still not dispatched.
    next_dispatch_at = models.DateTimeField(null=True, blank=True)
    dispatch_failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had when the model was the automation app's.
        db_table = "automation_event"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "id"], name="event_subject_idx"),
            models.Index(fields=["type", "id"], name="event_type_idx"),
            models.Index(fields=["correlation_id"], name="event_correlation_idx"),
            # The audit log filtered by who did it (the console's Settings > Audit log).
            models.Index(fields=["actor_kind", "actor_label", "id"], name="event_actor_idx"),
            models.Index(
                fields=["next_dispatch_at"],
                name="event_undispatched_idx",
                condition=Q(dispatched_at__isnull=True, dispatch_failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject_type}:{self.subject_id}"


class DeliveryStatus(models.TextChoices):
    DONE = "done", _("Done")  # the handler ran and its writes committed with this row
    FAILED = "failed", _("Failed")  # the handler raised; retried until attempts run out
    GAVE_UP = "gave_up", _("Gave up")  # retries exhausted; shown in the failed-job inbox


class Delivery(models.Model):
    """One handler's processing of one event. Unique per (event, handler): at most once."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "automation_delivery"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}: {self.status}"
