from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessRole(models.TextChoices):
    WORKER = "worker", _("Worker")  # runs tasks
    SCHEDULER = "scheduler", _("Scheduler")  # fires schedules, relays events


class Heartbeat(models.Model):
    """The last sign of life of one worker or scheduler process."""

    process_id = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16, choices=ProcessRole.choices)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    beats = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-beat_at"]
        indexes = [models.Index(fields=["role", "beat_at"], name="heartbeat_role_idx")]

    def __str__(self) -> str:
        return f"{self.role} {self.hostname}:{self.pid}"
